"""Atomic file writes: write to a temporary file beside the target, then rename.

A crash or a user error half-way through a command never leaves a half-written output.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``target`` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are ordinary readable files
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_with(target: str | os.PathLike[str], writer: Callable[[Path], Any]) -> Path:
    """Call ``writer(tmp_path)`` and atomically move the result to ``target``."""
    with atomic_path(target) as tmp:
        writer(tmp)
    return Path(target)


def write_text(target: str | os.PathLike[str], text: str) -> Path:
    """Atomically write UTF-8 text."""
    return write_with(target, lambda p: p.write_text(text, encoding="utf-8"))


def write_json(target: str | os.PathLike[str], obj: Any) -> Path:
    """Atomically write strict JSON (sorted keys, 2-space indent, trailing newline).

    Non-finite numbers (NaN, inf) become ``null``: JSON has no NaN.
    """
    text = json.dumps(_finite(obj), indent=2, sort_keys=True, default=str, allow_nan=False)
    return write_text(target, text + "\n")


def _finite(obj: Any) -> Any:
    """``obj`` with every non-finite float replaced by None (recursively)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if hasattr(obj, "item") and getattr(obj, "ndim", None) == 0:  # numpy scalar
        return _finite(obj.item())
    return obj


def write_csv(target: str | os.PathLike[str], frame: Any, *, index: bool = False) -> Path:
    """Atomically write a pandas DataFrame as UTF-8 CSV with a header."""
    return write_with(target, lambda p: frame.to_csv(p, index=index, encoding="utf-8"))


def write_geoparquet(target: str | os.PathLike[str], frame: Any) -> Path:
    """Atomically write a GeoDataFrame as GeoParquet."""
    return write_with(target, lambda p: frame.to_parquet(p, index=False))
