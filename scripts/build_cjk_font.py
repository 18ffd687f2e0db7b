# SPDX-License-Identifier: Apache-2.0
"""Build the Japanese font subset that PDF briefs embed, so that a fresh install renders
Japanese without a system CJK font.

The source is Noto Sans CJK JP Regular (SIL Open Font License 1.1), as Debian's
fonts-noto-cjk package installs it. The subset keeps every character of JIS X 0208 (kana,
the 6,355 kanji of levels 1 and 2, symbols), CJK punctuation and the full- and half-width
forms, and is written as WOFF2 with the license beside it.

    apt-get install fonts-noto-cjk
    python scripts/build_cjk_font.py [--source PATH-TO-NotoSansCJK-Regular.ttc]
"""

from __future__ import annotations

import argparse
import gzip
import re
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "threatbrief" / "fonts"
FAMILY = "Noto Sans CJK JP"
COPYRIGHT_FILE = Path("/usr/share/doc/fonts-noto-cjk/copyright")
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def characters() -> set[str]:
    """JIS X 0208 (through its EUC-JP encoding), CJK punctuation, kana, full/half-width forms."""
    found = set()
    for high in range(0xA1, 0xFF):
        for low in range(0xA1, 0xFF):
            try:
                found.add(bytes([high, low]).decode("euc_jp"))
            except UnicodeDecodeError:
                continue
    found |= {chr(c) for c in range(0x3000, 0x3100)}
    found |= {chr(c) for c in range(0xFF01, 0xFFA0)}
    return {c for c in found if len(c) == 1}


def load(source: Path) -> TTFont:
    if source.suffix == ".ttc":
        for font in TTCollection(str(source)).fonts:
            if font["name"].getDebugName(4) == FAMILY:
                return font
        raise SystemExit(f"{source} has no {FAMILY}")
    return TTFont(str(source))


def license_text(font: TTFont) -> str:
    """The font's copyright notice and the OFL 1.1 text from Debian's copyright file."""
    notice = " ".join(filter(None, (font["name"].getDebugName(i) for i in (0, 7))))
    raw = COPYRIGHT_FILE.read_bytes()
    text = gzip.decompress(raw).decode() if raw[:2] == b"\x1f\x8b" else raw.decode()
    match = re.search(r"^License: SIL-1\.1\n((?: .*\n?)+)", text, re.MULTILINE)
    if not match:
        raise SystemExit(f"no SIL-1.1 text in {COPYRIGHT_FILE}")
    body = "\n".join("" if line == " ." else line[1:] for line in match.group(1).splitlines())
    return (
        f"NotoSansCJKjp-subset.woff2 is a subset of {FAMILY} Regular, made by "
        "scripts/build_cjk_font.py: it keeps the characters of JIS X 0208, CJK punctuation "
        "and the full- and half-width forms. Source: https://github.com/notofonts/noto-cjk "
        "(as packaged by Debian, fonts-noto-cjk).\n\n"
        f"{notice}\n\n{body}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=SOURCE)
    args = parser.parse_args()
    font = load(args.source)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in characters()])
    subsetter.subset(font)
    OUT.mkdir(parents=True, exist_ok=True)
    font.flavor = "woff2"
    font.save(str(OUT / "NotoSansCJKjp-subset.woff2"))
    (OUT / "OFL.txt").write_text(license_text(font), encoding="utf-8")
    size = (OUT / "NotoSansCJKjp-subset.woff2").stat().st_size
    print(f"wrote {OUT / 'NotoSansCJKjp-subset.woff2'} ({size / 1e6:.1f} MB) and OFL.txt")  # noqa: T201


if __name__ == "__main__":
    main()
