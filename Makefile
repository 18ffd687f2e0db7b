PY ?= .venv/bin/python

.PHONY: check test lint bench sample

check: lint test

lint:
	$(PY) -m ruff check src tests benchmarks scripts
	$(PY) -m ruff format --check src tests benchmarks scripts
	$(PY) -m mypy src

test:
	$(PY) -m pytest -q

bench:
	$(PY) benchmarks/bench_ingest.py
	$(PY) benchmarks/bench_tag.py
	$(PY) benchmarks/bench_brief.py
	$(PY) benchmarks/bench_digest.py
	$(PY) benchmarks/bench_share.py

sample:
	$(PY) scripts/build_sample.py
