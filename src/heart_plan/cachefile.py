"""Verified cache entries: data only (never pickle), keyed and checked by sha256.

An entry is one file: a one-line JSON header, then the payload bytes (``.npz`` arrays
loaded with ``allow_pickle=False``, or UTF-8 JSON)::

    {"format": "heart_plan-cache", "version": 1, "kind": "graph", "key": "<sha256 of the
     inputs>", "sha256": "<sha256 of the payload>", "size": <payload bytes>}\\n<payload>

``read_entry`` serves the payload only when the header's kind and key are the ones asked
for and the payload's sha256 and size match the header.  Anything else -- a file copied over
another entry, a truncated or edited file, a foreign file -- is refused (logged, deleted) and
the caller rebuilds it.  Files are written atomically (``heart_plan.atomic``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from pathlib import Path

from heart_plan.atomic import write_with

FORMAT = "heart_plan-cache"
VERSION = 1
#: Headers longer than this are not headers.
MAX_HEADER_BYTES = 4096

log = logging.getLogger("heart_plan.cache")
#: Entries refused in this process (path, reason): recorded for tests and run records.
REFUSED: list[tuple[str, str]] = []


def write_entry(path: str | os.PathLike[str], *, kind: str, key: str, payload: bytes) -> Path:
    """Write ``payload`` as the cache entry ``kind``/``key`` at ``path`` (atomically)."""
    header = {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "key": key,
        "sha256": hashlib.sha256(payload).hexdigest(),
        "size": len(payload),
    }
    line = json.dumps(header, sort_keys=True).encode("ascii") + b"\n"

    def _write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            fh.write(line)
            fh.write(payload)

    return write_with(path, _write)


def read_entry(path: str | os.PathLike[str], *, kind: str, key: str) -> bytes | None:
    """The verified payload of entry ``kind``/``key`` at ``path``; None if absent or refused."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return _refuse(path, f"unreadable ({exc.strerror or exc})")
    end = data.find(b"\n", 0, MAX_HEADER_BYTES)
    if end < 0:
        return _refuse(path, "no cache header (not a heart_plan cache entry)")
    try:
        header = json.loads(data[:end].decode("ascii"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _refuse(path, "unreadable cache header")
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        return _refuse(path, "not a heart_plan cache entry")
    if header.get("version") != VERSION or header.get("kind") != kind:
        return _refuse(path, f"entry kind/version {header.get('kind')}/{header.get('version')}")
    if header.get("key") != key:
        return _refuse(path, "stored under the wrong key (inputs differ)")
    payload = data[end + 1 :]
    if header.get("size") != len(payload):
        return _refuse(path, "size differs from its header (truncated or edited)")
    if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
        return _refuse(path, "content sha256 differs from its header (edited)")
    return payload


def _refuse(path: Path, reason: str) -> bytes | None:
    """Record and delete a refused entry; None (the caller rebuilds it)."""
    REFUSED.append((str(path), reason))
    log.warning("cache entry %s refused (%s); rebuilding it", path, reason)
    with contextlib.suppress(OSError):
        path.unlink()
    return None
