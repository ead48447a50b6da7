"""Dataset catalog: the manifest of every dataset the planner reads, and how to get it.

The manifest (``heart_plan/assets/manifest.toml``, symlinked as ``data/beats/manifest.toml``)
names each dataset by id with its file name in the mirror, official source, licence, vintage,
sha256 and kind:

* ``pinned``: the bytes never change; the sha256 is verified whenever the file is fetched
  or checked.
* ``live``: the official source changes; a download is validated against
  ``required_columns`` and its sha256 recorded in the lock file ``<local dir>/datasets.lock.json``.

Resolution of a dataset id to a path: the local data directory first (files fetched there
take precedence), then the mirror (``paths.resolve_mirror``).
"""

from __future__ import annotations

import json
import shutil
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from heart_plan.atomic import atomic_path, write_json
from heart_plan.errors import DataError
from heart_plan.hashing import sha256_file

LOCK_FILE_NAME = "datasets.lock.json"
KINDS = ("pinned", "live")
_KEYS = {
    "file", "title", "format", "kind", "sha256", "download_url", "official_url", "licence",
    "vintage", "required_columns", "optional",
}  # fmt: skip


@dataclass(frozen=True)
class Dataset:
    """One manifest entry.  ``file`` is relative to the mirror and to the local data dir."""

    id: str
    file: str
    title: str
    format: str
    kind: str
    sha256: str
    download_url: str = ""
    official_url: str = ""
    licence: str = "not stated"
    vintage: str = ""
    required_columns: tuple[str, ...] = ()
    optional: bool = False


@dataclass(frozen=True)
class Manifest:
    """All datasets, by id, and the file they were read from."""

    datasets: dict[str, Dataset]
    source: str

    def get(self, dataset_id: str) -> Dataset:
        """The dataset ``dataset_id``; ``DataError`` naming the known ids otherwise."""
        try:
            return self.datasets[dataset_id]
        except KeyError:
            raise DataError(
                f"{self.source}: unknown dataset id {dataset_id!r}; "
                f"known ids: {', '.join(sorted(self.datasets))}"
            ) from None


@dataclass(frozen=True)
class CheckRow:
    """One line of ``data check``: status is OK, MISSING, MISMATCH, INVALID or OPTIONAL-MISSING."""

    id: str
    status: str
    sha256: str
    path: str
    detail: str = ""


def default_manifest_path() -> Path:
    """The manifest shipped with the package."""
    return Path(str(resources.files("heart_plan") / "assets" / "manifest.toml"))


def load_manifest(path: str | Path | None = None) -> Manifest:
    """Read and validate a manifest TOML file (the packaged one when ``path`` is None)."""
    path = Path(path) if path is not None else default_manifest_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path}: manifest not found; reinstall heart-plan") from None
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{path}: manifest is not valid TOML ({exc}); fix the syntax") from None
    tables = raw.get("datasets")
    if not isinstance(tables, dict) or not tables:
        raise DataError(f"{path}: no [datasets.<id>] tables; add at least one dataset")
    datasets: dict[str, Dataset] = {}
    for ds_id, entry in tables.items():
        unknown = sorted(set(entry) - _KEYS)
        if unknown:
            raise DataError(
                f"{path}: datasets.{ds_id}: unknown key {unknown[0]!r}; "
                f"allowed keys: {', '.join(sorted(_KEYS))}"
            )
        for key in ("file", "format", "kind", "sha256"):
            if key not in entry:
                raise DataError(f"{path}: datasets.{ds_id}: missing key {key!r}; add it")
        if entry["kind"] not in KINDS:
            raise DataError(
                f"{path}: datasets.{ds_id}.kind = {entry['kind']!r}; use 'pinned' or 'live'"
            )
        datasets[ds_id] = Dataset(
            id=ds_id,
            file=entry["file"],
            title=entry.get("title", ""),
            format=entry["format"],
            kind=entry["kind"],
            sha256=entry["sha256"].lower(),
            download_url=entry.get("download_url", ""),
            official_url=entry.get("official_url", ""),
            licence=entry.get("licence", "not stated"),
            vintage=entry.get("vintage", ""),
            required_columns=tuple(entry.get("required_columns", ())),
            optional=bool(entry.get("optional", False)),
        )
    return Manifest(datasets=datasets, source=str(path))


# ----------------------------------------------------------------------------- resolution


def resolve(
    dataset_id: str,
    *,
    mirror: Path | None,
    local_dir: Path | None = None,
    manifest: Manifest | None = None,
) -> Path:
    """The path of ``dataset_id``: the local data directory first, then the mirror.

    Raises ``DataError`` naming both places when the file is in neither.
    """
    manifest = manifest or load_manifest()
    ds = manifest.get(dataset_id)
    tried = []
    for base in (local_dir, mirror):
        if base is None:
            continue
        candidate = Path(base) / ds.file
        tried.append(str(candidate))
        if candidate.is_file():
            return candidate
    raise DataError(
        f"{' or '.join(tried) or ds.file}: dataset {dataset_id!r} not found; run "
        f"`heart-plan data fetch --mirror DIR` or pass --mirror pointing at the Durham mirror"
    )


#: Checksum mismatches accepted in this process with ``on_mismatch="warn"``:
#: (dataset id, path, sha256 found, sha256 pinned); recorded in every run record.
ACCEPTED_MISMATCHES: list[tuple[str, str, str, str]] = []


def verify(ds: Dataset, path: Path, *, on_mismatch: str = "error") -> str:
    """Verify a pinned file's sha256 (returns it); ``DataError`` on a mismatch.

    ``on_mismatch="warn"`` (scenario ``[data] on_checksum_mismatch``) logs the mismatch and
    records it in ``ACCEPTED_MISMATCHES`` (and so in the run record) instead of failing.
    """
    digest = sha256_file(path)
    if ds.kind == "pinned" and digest != ds.sha256:
        message = (
            f"{path}: sha256 {digest[:12]}... does not match the manifest's "
            f"{ds.sha256[:12]}... for dataset {ds.id!r}; re-fetch the file "
            f"(`heart-plan data fetch`), update the manifest if the source changed on purpose, "
            f'or set [data] on_checksum_mismatch = "warn" to accept it (recorded in the run)'
        )
        if on_mismatch != "warn":
            raise DataError(message)
        import logging

        logging.getLogger("heart_plan.data").warning(message)
        entry = (ds.id, str(path), digest, ds.sha256)
        if entry not in ACCEPTED_MISMATCHES:
            ACCEPTED_MISMATCHES.append(entry)
    return digest


def validate_schema(ds: Dataset, path: Path) -> None:
    """Check that the file is readable and has the manifest's ``required_columns``."""
    if not ds.required_columns:
        return
    columns = _columns(ds, path)
    missing = [c for c in ds.required_columns if c not in columns]
    if missing:
        raise DataError(
            f"{path}: dataset {ds.id!r} lacks column {missing[0]!r} "
            f"(has: {', '.join(sorted(columns))[:200]}); fetch the right file or fix the manifest"
        )


def _columns(ds: Dataset, path: Path) -> set[str]:
    try:
        if ds.format == "csv":
            with open(path, encoding="utf-8-sig") as fh:
                header = fh.readline()
            import csv

            return set(next(csv.reader([header])))
        if ds.format == "geojson":
            import pyogrio

            return set(pyogrio.read_info(path)["fields"])
    except Exception as exc:  # unreadable file of any kind
        raise DataError(f"{path}: cannot read dataset {ds.id!r} ({exc}); re-fetch it") from None
    return set()


# ----------------------------------------------------------------------------- fetch / check


@dataclass(frozen=True)
class FetchResult:
    """What ``fetch`` did for one dataset: action is copied, downloaded, present or skipped."""

    id: str
    action: str
    path: str
    sha256: str
    detail: str = ""


def fetch(
    *,
    local_dir: Path,
    mirror: Path | None,
    manifest: Manifest | None = None,
    ids: tuple[str, ...] | None = None,
    timeout_s: float = 60.0,
) -> list[FetchResult]:
    """Fill ``local_dir`` with every dataset: copy from ``mirror`` or download.

    Each file goes to a temporary name first and is renamed only after its checksum (pinned)
    or schema (live) is verified, so a failure never leaves a bad file behind.  Live
    downloads record their sha256 in ``local_dir/datasets.lock.json``.
    """
    manifest = manifest or load_manifest()
    lock_path = Path(local_dir) / LOCK_FILE_NAME
    lock = _read_lock(lock_path)
    results: list[FetchResult] = []
    for ds_id in ids or tuple(manifest.datasets):
        ds = manifest.get(ds_id)
        target = Path(local_dir) / ds.file
        if target.is_file() and (ds.kind == "live" or sha256_file(target) == ds.sha256):
            results.append(FetchResult(ds.id, "present", str(target), sha256_file(target)))
            continue
        source = Path(mirror) / ds.file if mirror is not None else None
        if source is not None and source.is_file():
            with atomic_path(target) as tmp:
                shutil.copyfile(source, tmp)
                digest = verify(ds, tmp)
            if ds.kind == "live":
                lock[ds.id] = {"file": ds.file, "sha256": digest, "url": str(source)}
                write_json(lock_path, lock)
            results.append(FetchResult(ds.id, "copied", str(target), digest))
            continue
        if not ds.download_url:
            if ds.optional:
                results.append(FetchResult(ds.id, "skipped", str(target), "", "optional"))
                continue
            raise DataError(
                f"{source or ds.file}: dataset {ds.id!r} is not in the mirror and has no "
                f"download_url in the manifest; pass --mirror DIR with the Durham mirror"
            )
        with atomic_path(target) as tmp:
            _download(ds.download_url, tmp, timeout_s=timeout_s, ds=ds)
            if ds.kind == "pinned":
                digest = verify(ds, tmp)
            else:
                validate_schema(ds, tmp)
                digest = sha256_file(tmp)
        if ds.kind == "live":
            lock[ds.id] = {"file": ds.file, "sha256": digest, "url": ds.download_url}
            write_json(lock_path, lock)
        results.append(FetchResult(ds.id, "downloaded", str(target), digest))
    return results


def _download(url: str, dest: Path, *, timeout_s: float, ds: Dataset) -> None:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp, open(dest, "wb") as out:
            shutil.copyfileobj(resp, out)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DataError(
            f"{url}: download of dataset {ds.id!r} failed ({exc}); check the network or "
            f"pass --mirror DIR with a local copy"
        ) from None


def _read_lock(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        raise DataError(f"{path}: lock file is not valid JSON; delete it and fetch again") from None


def check(
    *, mirror: Path | None, local_dir: Path | None = None, manifest: Manifest | None = None
) -> list[CheckRow]:
    """Validate every dataset (resolution, sha256 or lock entry, schema) without raising."""
    manifest = manifest or load_manifest()
    lock = _read_lock(Path(local_dir) / LOCK_FILE_NAME) if local_dir is not None else {}
    rows: list[CheckRow] = []
    for ds in manifest.datasets.values():
        try:
            path = resolve(ds.id, mirror=mirror, local_dir=local_dir, manifest=manifest)
        except DataError as exc:
            status = "OPTIONAL-MISSING" if ds.optional else "MISSING"
            rows.append(CheckRow(ds.id, status, "", ds.file, str(exc)))
            continue
        digest = sha256_file(path)
        status, detail = "OK", ""
        if ds.kind == "pinned" and digest != ds.sha256:
            status, detail = "MISMATCH", f"expected {ds.sha256}"
        elif ds.kind == "live" and local_dir is not None and path.is_relative_to(local_dir):
            locked = lock.get(ds.id, {}).get("sha256")
            if locked != digest:
                status, detail = "MISMATCH", "not the file recorded in datasets.lock.json"
        if status == "OK":
            try:
                validate_schema(ds, path)
            except DataError as exc:
                status, detail = "INVALID", str(exc)
        rows.append(CheckRow(ds.id, status, digest, str(path), detail))
    return rows


def check_ok(rows: list[CheckRow]) -> bool:
    """True when no dataset is MISSING, MISMATCH or INVALID."""
    return all(r.status in ("OK", "OPTIONAL-MISSING") for r in rows)
