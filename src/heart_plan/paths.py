"""Where things live: the project root, the data mirror, caches.

Data resolution (CONVENTIONS.md): ``--mirror DIR`` > ``$HEART_PLAN_MIRROR`` > the
scenario's ``[data] mirror`` > ``../shared/data/durham`` relative to the project root.
Files fetched into the local data directory take precedence over the mirror.
Caches go to ``$HEART_PLAN_CACHE`` or ``<project root>/.cache`` (never into the mirror,
which is read-only in CI).
"""

from __future__ import annotations

import os
from pathlib import Path

from heart_plan.errors import CacheError, DataError

MIRROR_ENV = "HEART_PLAN_MIRROR"
CACHE_ENV = "HEART_PLAN_CACHE"


def project_root() -> Path:
    """The repository root when running from a checkout, else the current directory."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "src" / "heart_plan").is_dir():
            return parent
    return Path.cwd()


def resolve_mirror(
    cli_mirror: str | os.PathLike[str] | None = None, scenario_mirror: str = ""
) -> Path:
    """The mirror directory by the resolution order above; raise if it does not exist."""
    candidates: list[tuple[str, str | os.PathLike[str] | None]] = [
        ("--mirror", cli_mirror),
        (f"${MIRROR_ENV}", os.environ.get(MIRROR_ENV) or None),
        ("scenario [data] mirror", scenario_mirror or None),
    ]
    for origin, value in candidates:
        if value:
            path = Path(value).expanduser()
            if not path.is_absolute():
                path = (Path.cwd() / path).resolve()
            if not path.is_dir():
                raise DataError(
                    f"{path}: data mirror directory (from {origin}) does not exist; "
                    f"point {origin} at the Durham data mirror"
                )
            return path
    default = (project_root() / ".." / "shared" / "data" / "durham").resolve()
    if not default.is_dir():
        raise DataError(
            f"{default}: default data mirror not found; pass --mirror DIR, set "
            f"{MIRROR_ENV}, or run `heart-plan data fetch` with internet access"
        )
    return default


def local_data_dir(local_dir: str = "data") -> Path:
    """The local data directory (``data/`` under the project root unless absolute)."""
    path = Path(local_dir)
    return path if path.is_absolute() else project_root() / path


_CLEANED: set[Path] = set()


def cache_root() -> Path:
    """The cache base folder: ``$HEART_PLAN_CACHE`` or ``<project root>/.cache``."""
    return Path(os.path.abspath(os.environ.get(CACHE_ENV) or project_root() / ".cache"))


def cache_dir(kind: str) -> Path:
    """A writable cache folder for ``kind`` (e.g. ``"matrix"``, ``"osmnx"``).

    Temporary files left there by killed processes are removed on first use in a process.
    A cache path that is a file, or cannot be created, is a one-line ``CacheError``.
    """
    base = cache_root()
    path = base / kind
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise CacheError(
            f"{path}: the cache path exists but is not a folder; remove the file or point "
            f"${CACHE_ENV} at a folder"
        ) from None
    except OSError as exc:
        raise CacheError(
            f"{path}: cannot create the cache folder ({exc.strerror or exc}); point "
            f"${CACHE_ENV} at a writable folder"
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise CacheError(
            f"{path}: the cache folder is not writable; fix its permissions or point "
            f"${CACHE_ENV} at a writable folder"
        )
    if path not in _CLEANED:
        from heart_plan.stale import clean_stale

        clean_stale(path)
        _CLEANED.add(path)
    return path
