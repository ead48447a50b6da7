"""Exact reductions of 0/1 coverage matrices (rows = demand, columns = sites).

* identical rows / columns are merged (numpy ``unique`` over bit-packed rows);
* a column whose coverage set is a subset of another's is *dominated*: any solution using it
  is at least as good with the dominating site instead (coverage models only);
* for set covering, a row whose coverage set contains another row's set is implied.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import numpy as np

_CHUNK = 512
#: Column reductions kept (LRU), keyed by the coverage matrix's content: the same area,
#: band and radius give the same matrix for every team count, so it is reduced once.
_MEMO_SIZE = 64
_memo: OrderedDict[bytes, np.ndarray] = OrderedDict()


def unique_rows(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First occurrence of each distinct row (sorted) and the inverse map row -> group."""
    if cov.shape[0] == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    packed = np.ascontiguousarray(np.packbits(cov, axis=1))
    view = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(view, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # groups in order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order], rank[inverse.ravel()]


def dominated(cov: np.ndarray) -> np.ndarray:
    """Mask of rows whose set of True columns is a subset of another (distinct) row's set.

    Rows must be distinct (use :func:`unique_rows` first).  Computed with float32 matrix
    products in chunks (counts are exact below 2**24).
    """
    n = cov.shape[0]
    out = np.zeros(n, dtype=bool)
    if n <= 1:
        return out
    f = cov.astype(np.float32)
    size = f.sum(axis=1)
    for start in range(0, n, _CHUNK):
        block = f[start : start + _CHUNK] @ f.T  # overlaps |A_i & A_k|
        sub = block >= size[start : start + _CHUNK, None] - 0.5  # A_i subset of A_k
        idx = np.arange(start, min(start + _CHUNK, n))
        sub[np.arange(len(idx)), idx] = False
        out[idx] = sub.any(axis=1)
    return out


def reduce_columns(cov: np.ndarray) -> np.ndarray:
    """Column positions kept after merging identical and dropping dominated columns.

    Memoized on the matrix's content (shape and bits), so repeated solves of one area
    (every team count, every band with the same coverage) reduce it once.
    """
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(np.asarray(cov.shape, dtype=np.int64).tobytes())
    digest.update(np.packbits(np.ascontiguousarray(cov, dtype=bool)).tobytes())
    key = digest.digest()
    if key in _memo:
        _memo.move_to_end(key)
        return _memo[key].copy()
    kept = _reduce_columns(cov)
    _memo[key] = kept
    while len(_memo) > _MEMO_SIZE:
        _memo.popitem(last=False)
    return kept.copy()


def _reduce_columns(cov: np.ndarray) -> np.ndarray:
    first, _ = unique_rows(cov.T)
    first = np.sort(first)
    dom = dominated(cov[:, first].T)
    return first[~dom]
