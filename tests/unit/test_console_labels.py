"""The console's labels are one table (``addLabels`` merges every page's strings into it): a
key that two pages define with different text silently takes the text of whichever loaded last
(seen: 慈善捐赠's ``cs.overdue`` "信息公开逾期" shown as 消费维权's "已逾期"). Every key has one
text."""

from __future__ import annotations

import re
from pathlib import Path

WUYI = Path(__file__).resolve().parents[2] / "wuyi"
ENTRY = re.compile(r'^\s*"([^"]+)":\s*(\[.*\]),?\s*$')


def _label_files() -> list[Path]:
    base = WUYI / "console" / "static" / "js" / "i18n.js"
    pages = [p for p in WUYI.rglob("*.js") if "addLabels(" in p.read_text(encoding="utf-8")]
    return [base, *sorted(p for p in pages if p != base and "_template" not in p.parts)]


def test_no_label_key_has_two_texts() -> None:
    seen: dict[str, tuple[str, Path]] = {}
    clashes = []
    files = _label_files()
    assert len(files) > 5, files
    for p in files:
        for line in p.read_text(encoding="utf-8").splitlines():
            m = ENTRY.match(line)
            if not m:
                continue
            key, text = m.group(1), m.group(2)
            if key in seen and seen[key][0] != text:
                first, where = seen[key]
                here = p.relative_to(WUYI)
                clashes.append(f"{key}: {where.relative_to(WUYI)} {first} != {here} {text}")
            seen.setdefault(key, (text, p))
    assert not clashes, "\n".join(clashes)
