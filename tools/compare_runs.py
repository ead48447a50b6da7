"""Compare two ``heart-plan run`` output folders file by file.

Usage: ``python tools/compare_runs.py BEFORE_DIR AFTER_DIR``

Every file must exist in both folders with identical bytes, except ``run.json``, which is
compared as JSON without ``timings_s``, ``command`` (it holds the absolute ``--out`` path),
``platform`` and ``packages.heart-plan`` (code version), and ``run_info.json`` files the same
way; and HTML pages, which are compared after replacing each folder's absolute path with a
placeholder (the report prints the command line).  Prints one line per file and a summary;
exits 1 on any difference.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

VOLATILE_KEYS = ("timings_s", "command", "platform", "created_at", "timestamp")


def _normalized_json(path: Path) -> object:
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        for key in VOLATILE_KEYS:
            data.pop(key, None)
        packages = data.get("packages")
        if isinstance(packages, dict):
            packages.pop("heart-plan", None)
            packages.pop("heart_plan", None)
    return data


def _diff_paths(a: object, b: object, where: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                out.append(f"{where}.{key} only in {'after' if key in b else 'before'}")
            else:
                out += _diff_paths(a[key], b[key], f"{where}.{key}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in _diff_paths(x, y, f"{where}[{i}]")
        ]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"[:300]]


def compare(before: Path, after: Path) -> list[str]:
    """Differences between two run folders (empty when identical)."""
    files = sorted(
        {p.relative_to(before) for p in before.rglob("*") if p.is_file()}
        | {p.relative_to(after) for p in after.rglob("*") if p.is_file()}
    )
    problems: list[str] = []
    for rel in files:
        a, b = before / rel, after / rel
        if not a.exists() or not b.exists():
            problems.append(f"{rel}: only in {'after' if b.exists() else 'before'}")
            continue
        if rel.suffix == ".json":
            diffs = _diff_paths(_normalized_json(a), _normalized_json(b))
            problems += [f"{rel}: {d}" for d in diffs]
        elif rel.suffix == ".html":
            ta = a.read_text(encoding="utf-8").replace(str(before.resolve()), "<OUT>")
            tb = b.read_text(encoding="utf-8").replace(str(after.resolve()), "<OUT>")
            ta, tb = ta.replace(str(before), "<OUT>"), tb.replace(str(after), "<OUT>")
            if ta != tb:
                problems.append(f"{rel}: differs")
        elif a.read_bytes() != b.read_bytes():
            problems.append(f"{rel}: differs")
    print(f"compared {len(files)} files: {len(problems)} differences")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    problems = compare(Path(argv[0]), Path(argv[1]))
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
