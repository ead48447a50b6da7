"""Leftovers of interrupted runs: temporary files (``.<name>.<pid>.<rand>.tmp``) and staging
folders (``.<name>.staging-<pid>``, ``.<name>.old-<pid>``) of processes that are gone, and
their cleanup (``clean_stale``), used by the output writers and the cache.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

TMP_RE = re.compile(r"^\..+\.(\d+)\.[^.]+\.tmp$")
STAGING_RE = re.compile(r"^\.(.+)\.(staging|old)-(\d+)$")
#: Leftovers of a live process are kept unless older than this (s).
STALE_AFTER_S = 24 * 3600.0


def is_temp(name: str) -> bool:
    """True for a temporary file or staging folder name of this project."""
    return bool(TMP_RE.match(name) or STAGING_RE.match(name))


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(folder: str | os.PathLike[str], *, recursive: bool = False) -> list[Path]:
    """Remove temporary files and staging folders left by dead processes in ``folder``.

    A ``.<name>.old-<pid>`` folder whose ``<name>`` is missing (a swap interrupted between
    its two renames) is renamed back to ``<name>``.  Returns the paths removed or restored.
    """
    folder = Path(folder)
    done: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return done
    now = time.time()
    for entry in entries:
        m_tmp, m_stage = TMP_RE.match(entry.name), STAGING_RE.match(entry.name)
        if recursive and entry.is_dir() and not m_stage:
            done += clean_stale(entry, recursive=True)
        if not (m_tmp or m_stage):
            continue
        pid = int(m_tmp.group(1) if m_tmp else m_stage.group(3))  # type: ignore[union-attr]
        try:
            age = now - entry.lstat().st_mtime
        except OSError:
            continue
        if _pid_alive(pid) and age < STALE_AFTER_S:
            continue
        try:
            if m_stage and m_stage.group(2) == "old" and not (folder / m_stage.group(1)).exists():
                os.rename(entry, folder / m_stage.group(1))
            elif entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            done.append(entry)
        except OSError:
            continue
    return done
