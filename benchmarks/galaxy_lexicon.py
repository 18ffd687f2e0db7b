# SPDX-License-Identifier: Apache-2.0
"""What the MISP galaxy (the pinned `pymispgalaxies` package) adds to the curated lexicon, and
what it costs in precision, on labelled files.

    python benchmarks/galaxy_lexicon.py items.jsonl items-v2.jsonl

The galaxy's `threat-actor.json` is merged the way `threatbrief lexicon import --format
misp-galaxy` merges it (curated actors.yaml wins; an alias of another state's group is a
conflict, not merged) into a temporary override folder; then both taggers classify every file
and the actor-set figures are printed side by side, with each label that changed and the
evidence that changed it. Needs `pip install threatbrief[dev]` (pymispgalaxies is pinned there).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.resources
import io
import json
import tempfile
from collections import Counter
from pathlib import Path

from eval_tagger import score

from threatbrief.tag import Tagger
from threatbrief.tag.classify import classify_stream
from threatbrief.tag.lexicon import load_lexicon
from threatbrief.tag.lexicon_import import import_actors


def _predict(tagger: Tagger, lines: list[str]) -> dict[str, dict]:
    out = io.StringIO()
    classify_stream(io.StringIO("\n".join(lines) + "\n"), out, tagger)
    return {d["id"]: d for d in map(json.loads, out.getvalue().splitlines())}


def _micro(per: dict[str, Counter]) -> str:
    total: Counter = Counter()
    for c in per.values():
        total.update(c)
    tp, fp, fn = total["tp"], total["fp"], total["fn"]
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"P {p:.3f} R {r:.3f} F1 {f:.3f} (tp {tp} fp {fp} fn {fn})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("labelled", type=Path, nargs="+")
    args = parser.parse_args()
    galaxy = importlib.resources.files("pymispgalaxies") / "data/misp-galaxy/clusters"
    version = importlib.metadata.version("pymispgalaxies")
    curated = Tagger(load_lexicon())
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "threat-actor.json"
        source.write_text((galaxy / "threat-actor.json").read_text(encoding="utf-8"), "utf-8")
        report = import_actors(source, "misp-galaxy", curated.lexicon, Path(tmp) / "lex")
        merged = Tagger(load_lexicon([Path(tmp) / "lex"]))
    print(
        f"pymispgalaxies {version}: {len(report.added_groups)} groups and "
        f"{report.added_aliases} aliases added, {len(report.conflicts)} conflicts refused; "
        f"{len(curated.lexicon.patterns)} → {len(merged.lexicon.patterns)} patterns"
    )
    for path in args.labelled:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        gold = [json.loads(line) for line in lines]
        before, after = _predict(curated, lines), _predict(merged, lines)
        print(f"\n{path} ({len(gold)} items), actor sets, all states")
        print(f"  curated          {_micro(score(gold, before, 'actor_sets')[0])}")
        print(f"  curated + galaxy {_micro(score(gold, after, 'actor_sets')[0])}")
        for item in gold:
            was = set(before[item["id"]]["actor_sets"])
            now = set(after[item["id"]]["actor_sets"])
            for label in sorted(now ^ was):
                sign = "+" if label in now else "-"
                ev = [
                    f"{e['text']!r} ({e['rule']})"
                    for e in after[item["id"]]["evidence"]
                    if e["label"] == label
                ]
                print(f"  {sign}{label:<14} {item['id']}: {'; '.join(ev)}")


if __name__ == "__main__":
    main()
