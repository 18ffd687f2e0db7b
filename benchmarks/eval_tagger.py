# SPDX-License-Identifier: Apache-2.0
"""Score `threatbrief classify` output against a labelled JSON Lines file.

    python benchmarks/eval_tagger.py ../shared/devset/items.jsonl [--show-errors]

Each labelled line has id, title, summary, lang, actor_sets (china, north-korea, russia),
extra_actor_sets (other states) and sectors. The script runs the tagger through the same code
path as `threatbrief classify`, then prints per-label and micro precision, recall and F1 for
actor sets (all states, and the three main ones alone) and for sectors, the own-country-as-
target rate (attributed items whose targets include the actor's own country), and a confusion
list of false positives and misses with the evidence, role, hedge and attribution type that
produced them. Several files are scored one after the other.

    python benchmarks/eval_tagger.py items.jsonl items-v2.jsonl --show-errors
"""

from __future__ import annotations

import argparse
import io
import json
from collections import Counter
from pathlib import Path

from threatbrief.tag.classify import classify_stream
from threatbrief.tag.lexicon import load_lexicon

MAIN_SETS = ("china", "north-korea", "russia")


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _headline(item: dict) -> str:
    return item.get("title") or item.get("summary", "")[:80]


def score(
    gold: list[dict], pred: dict[str, dict], key: str, restrict: tuple[str, ...] = ()
) -> tuple[dict[str, Counter], list[str]]:
    per: dict[str, Counter] = {}
    errors: list[str] = []
    for item in gold:
        want = set(item.get(key) or [])
        if key == "actor_sets":
            want |= set(item.get("extra_actor_sets") or [])
        got = set(pred[item["id"]].get(key) or [])
        if restrict:
            want &= set(restrict)
            got &= set(restrict)
        for label in want | got:
            c = per.setdefault(label, Counter())
            if label in want and label in got:
                c["tp"] += 1
            elif label in got:
                c["fp"] += 1
                ev = [
                    f"{e['text']!r} ({e['rule']}, {e['field']}"
                    + (f", role {e['role']}" if e.get("role") else "")
                    + (f", hedge {e['hedge']!r}" if e.get("hedge") else "")
                    + (f", {e['attribution_type']}" if e.get("attribution_type") else "")
                    + ")"
                    for e in pred[item["id"]]["evidence"]
                    if e["label"] == label
                ]
                errors.append(
                    f"FP {label:<20} {item['id']}: {_headline(item)!r}"
                    f"\n      evidence: {'; '.join(ev)}"
                )
            else:
                c["fn"] += 1
                errors.append(
                    f"FN {label:<20} {item['id']}: {_headline(item)!r}"
                    f"\n      rationale: {item.get('rationale', '')[:160]}"
                )
    return per, errors


def report(title: str, per: dict[str, Counter]) -> None:
    print(f"\n{title}")
    print(f"  {'label':<30} {'P':>6} {'R':>6} {'F1':>6}   tp  fp  fn")
    total = Counter()
    for label in sorted(per):
        c = per[label]
        total.update(c)
        p, r, f = _prf(c["tp"], c["fp"], c["fn"])
        print(f"  {label:<30} {p:6.3f} {r:6.3f} {f:6.3f}  {c['tp']:3} {c['fp']:3} {c['fn']:3}")
    p, r, f = _prf(total["tp"], total["fp"], total["fn"])
    print(
        f"  {'micro':<30} {p:6.3f} {r:6.3f} {f:6.3f}  {total['tp']:3} {total['fp']:3} "
        f"{total['fn']:3}"
    )


def own_country_rate(pred: dict[str, dict]) -> tuple[int, int, list[str]]:
    """Attributed items, those whose targets include an actor set's own country, and which."""
    iso = {name: str(forms.get("iso")) for name, forms in load_lexicon().states.items()}
    attributed, own, which = 0, 0, []
    for item_id, out in pred.items():
        sets = out.get("actor_sets") or []
        if not sets:
            continue
        attributed += 1
        hit = sorted({iso.get(s) for s in sets} & set(out.get("targets") or []))
        if hit:
            own += 1
            which.append(f"{item_id} ({', '.join(str(h) for h in hit)})")
    return attributed, own, which


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("labelled", type=Path, nargs="+")
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    for path in args.labelled:
        evaluate(path, args.show_errors)


def evaluate(path: Path, show_errors: bool) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    gold = [json.loads(line) for line in lines if line.strip()]
    out = io.StringIO()
    classify_stream(io.StringIO("\n".join(lines) + "\n"), out)
    pred = {d["id"]: d for d in map(json.loads, out.getvalue().splitlines())}
    print(f"\n=== {len(gold)} labelled items from {path}")
    all_errors = []
    for title, key, restrict in (
        ("Actor sets (all states)", "actor_sets", ()),
        ("Actor sets (china, north-korea, russia)", "actor_sets", MAIN_SETS),
        ("Sectors", "sectors", ()),
    ):
        per, errors = score(gold, pred, key, restrict)
        report(title, per)
        if restrict or key == "sectors":
            all_errors += errors
    attributed, own, which = own_country_rate(pred)
    rate = own / attributed if attributed else 0.0
    print(
        f"\nOwn country as target: {own} of {attributed} attributed items ({rate:.1%})"
        + (f": {'; '.join(which)}" if which else "")
    )
    if show_errors:
        print("\nConfusions (false positives with their evidence, misses with the rationale):")
        for line in all_errors:
            print("  " + line)


if __name__ == "__main__":
    main()
