"""Atomic writes: files through a temporary file beside the target, then rename; whole
output folders through a staging folder beside ``--out``, swapped into place on success.

A crash, a kill or a user error half-way through a command never leaves a half-written
output nor a folder mixing two runs.  Temporary names carry the writer's pid
(``.<name>.<pid>.<random>.tmp``, ``.<name>.staging-<pid>``, ``.<name>.old-<pid>``) so
``clean_stale`` can remove what a killed process left behind (and restore a previous
output whose swap was interrupted).

While a command runs inside ``staged_output_dir`` (or ``allow_writes_under``), every path
written through this module must resolve inside the allowed folders (the staging folder and
the cache): a name built from data can never write outside ``--out``.
"""

from __future__ import annotations

import contextvars
import fnmatch
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from heart_plan.errors import OutputError
from heart_plan.stale import clean_stale, is_temp

#: Folders writes must stay inside (empty: unrestricted, e.g. library use).
_ALLOWED_ROOTS: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar(
    "heart_plan_allowed_roots", default=()
)
#: Stale files of processes that cannot be checked (other hosts) go after this long.


def check_inside(path: str | os.PathLike[str], *, what: str = "output") -> Path:
    """``path`` resolved; ``OutputError`` when writes are restricted and it is outside."""
    resolved = Path(os.path.abspath(path))
    roots = _ALLOWED_ROOTS.get()
    if roots and not any(_is_within(resolved, r) for r in roots):
        raise OutputError(
            f"{path}: {what} path escapes the output folder ({', '.join(map(str, roots))}); "
            f"names used in file names must be simple (letters, digits, '_' and '-')"
        )
    return resolved


def _is_within(path: Path, root: Path) -> bool:
    real = Path(os.path.realpath(path))
    return real == root or root in real.parents or path == root or root in path.parents


@contextmanager
def allow_writes_under(*roots: str | os.PathLike[str]) -> Iterator[None]:
    """Restrict writes through this module to ``roots`` (plus those already allowed)."""
    resolved = tuple(Path(os.path.realpath(r)) for r in roots)
    token = _ALLOWED_ROOTS.set(_ALLOWED_ROOTS.get() + resolved)
    try:
        yield
    finally:
        _ALLOWED_ROOTS.reset(token)


def safe_name(name: str, *, what: str = "name") -> str:
    """``name`` when it is a safe file-name part (see ``config.SLUG_RE``); else OutputError."""
    from heart_plan.config import SLUG_RE

    if not isinstance(name, str) or not SLUG_RE.fullmatch(name):
        raise OutputError(
            f"{what} {name!r} cannot be used in a file name; use letters, digits, '_' and '-' "
            f"(at most 64 characters, starting with a letter or digit)"
        )
    return name


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``target`` on success."""
    target = check_inside(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent
    )
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
    """Atomically write a pandas DataFrame as UTF-8 CSV with a header, float columns
    rounded to sensible decimals by their unit (:mod:`heart_plan.csvround`).
    """
    from heart_plan.csvround import round_frame

    rounded = round_frame(frame) if hasattr(frame, "columns") else frame
    return write_with(target, lambda p: rounded.to_csv(p, index=index, encoding="utf-8"))


def write_geoparquet(target: str | os.PathLike[str], frame: Any) -> Path:
    """Atomically write a GeoDataFrame as GeoParquet."""
    return write_with(target, lambda p: frame.to_parquet(p, index=False))


# ----------------------------------------------------------------------------- output folders


@contextmanager
def staged_output_dir(
    out: str | os.PathLike[str], *, owns: Iterable[str] | None = None
) -> Iterator[Path]:
    """Yield a fresh staging folder beside ``out``; on success it replaces ``out``.

    ``out`` is swapped in two renames (old aside, new in) and the old folder removed, so a
    reader sees the previous complete output or the new one, never a mix; on an exception
    (or SIGTERM, see ``heart_plan.cli``) the staging folder is removed and ``out`` is left
    untouched.  Entries of the previous ``out`` that this command does not own (``owns``:
    glob patterns of its outputs, e.g. ``"drive_times__*.parquet"``; a trailing ``/`` for
    folders; None: every file, and folders it writes again) are carried over, so commands
    sharing a folder, and nested outputs of other commands, are kept.  While the block runs,
    writes through this module must stay inside the staging folder or the cache.
    """
    from heart_plan.paths import cache_root

    out = Path(os.path.abspath(out))
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: --out is a file, not a folder; pass a folder path")
    parent = out.parent
    for ancestor in (parent, *parent.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                raise OutputError(
                    f"{ancestor}: part of the output path {out} is a file, not a folder; "
                    f"choose another --out or remove the file"
                )
            break
    parent.mkdir(parents=True, exist_ok=True)
    clean_stale(parent)
    pid = os.getpid()
    staging = parent / f".{out.name}.staging-{pid}"
    old = parent / f".{out.name}.old-{pid}"
    for leftover in (staging, old):
        if leftover.exists():
            shutil.rmtree(leftover, ignore_errors=True)
    staging.mkdir()
    patterns = tuple(owns) if owns is not None else None
    try:
        with allow_writes_under(staging, cache_root()):
            yield staging
        if out.is_dir():
            _carry_over(out, staging, patterns)
            os.rename(out, old)
            try:
                os.rename(staging, out)
            except BaseException:
                os.rename(old, out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _carry_over(old: Path, new: Path, owns: tuple[str, ...] | None) -> None:
    """Hard-link (or copy) into ``new`` the entries of ``old`` this command does not own."""
    for entry in old.iterdir():
        target = new / entry.name
        if target.exists() or is_temp(entry.name):
            continue
        if entry.is_dir():
            owned = owns is not None and any(
                p.endswith("/") and fnmatch.fnmatch(entry.name, p[:-1]) for p in owns
            )
            if not owned:
                shutil.copytree(entry, target, copy_function=_link_or_copy, symlinks=True)
        else:
            owned = owns is None or any(fnmatch.fnmatch(entry.name, p) for p in owns)
            if not owned:
                _link_or_copy(entry, target)


def _link_or_copy(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
