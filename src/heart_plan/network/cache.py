"""Disk cache for drive-time matrices, under ``paths.cache_dir("matrix")``.

The key is a sha256 over everything that changes the result: the engine's graph content
hash (node ids and edge times), the band's speed factor, the limit, the demand and site
ids, their node ids and access times, and ``MATRIX_CACHE_VERSION``.  Entries are
``heart_plan.cachefile`` files: a header with the key and the payload's sha256, then an
uncompressed ``.npz`` (values, index and column labels; loaded with ``allow_pickle=False``),
written atomically.  An entry under the wrong key (e.g. another band's file copied over
it), an edited or unreadable file is refused and recomputed.  (Wide parquet with thousands of columns reads
~100x slower than a single int32 array.)
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from heart_plan.cachefile import read_entry, write_entry
from heart_plan.paths import cache_dir

#: Bump when the matrix formulation changes (invalidates every cached matrix).
MATRIX_CACHE_VERSION = "2"


def matrix_key(*parts: Any) -> str:
    """sha256 over ``parts`` (arrays by bytes, everything else by ``repr``)."""
    digest = hashlib.sha256(MATRIX_CACHE_VERSION.encode())
    for part in parts:
        if isinstance(part, np.ndarray | pd.Index | pd.Series):
            arr = np.asarray(part)
            if arr.dtype == object:
                digest.update("\x1f".join(map(str, arr.tolist())).encode())
            else:
                digest.update(str(arr.dtype).encode())
                digest.update(np.ascontiguousarray(arr).tobytes())
        else:
            digest.update(repr(part).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def matrix_path(key: str) -> Path:
    """Path of the cached matrix file for content key ``key``."""
    return cache_dir("matrix") / f"{key[:32]}.npz.entry"


def load_matrix(key: str) -> pd.DataFrame | None:
    """The cached matrix for ``key`` (verified), or None."""
    payload = read_entry(matrix_path(key), kind="matrix", key=key)
    if payload is None:
        return None
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as z:
            # C order, as a freshly computed matrix: np.save keeps a transposed layout,
            # and float sums over a matrix's rows can round differently by layout, which
            # changed near-tie choices between a cold and a warm run.
            return pd.DataFrame(
                np.ascontiguousarray(z["values"]),
                index=pd.Index(z["index"], name=str(z["index_name"])),
                columns=pd.Index(z["columns"], name=str(z["columns_name"])),
                copy=False,  # a copy would store the values transposed (pandas blocks)
            )
    except (ValueError, KeyError, OSError, EOFError):
        return None


def save_matrix(key: str, frame: pd.DataFrame) -> Path:
    """Write ``frame`` (non-object index and column labels) atomically to the cache."""
    buf = io.BytesIO()
    np.savez(
        buf,
        values=frame.to_numpy(),
        index=_labels(frame.index),
        columns=_labels(frame.columns),
        index_name=np.array(frame.index.name or ""),
        columns_name=np.array(frame.columns.name or ""),
    )
    return write_entry(matrix_path(key), kind="matrix", key=key, payload=buf.getvalue())


def _labels(index: pd.Index) -> np.ndarray:
    arr = index.to_numpy()
    return arr.astype(str) if arr.dtype == object else arr
