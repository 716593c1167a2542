"""Histograms as ``SummaryWriter.add_histogram`` sends them: TensorBoard's buckets, numpy when installed, else pure Python."""

from __future__ import annotations

import bisect
import math
from typing import Any, List, Optional, Tuple

_TF_EDGES: List[float] = []


def tensorflow_edges() -> List[float]:
    """TensorBoard's default histogram bucket edges: ±1e-12 · 1.1^k up to 1e20, and 0."""
    if not _TF_EDGES:
        positive: List[float] = []
        v = 1e-12
        while v < 1e20:
            positive.append(v)
            v *= 1.1
        _TF_EDGES.extend([-x for x in reversed(positive)] + [0.0] + positive)
    return _TF_EDGES


def flat_floats(values: Any) -> List[float]:
    """Every element of a (nested) sequence, tensor or array, as floats."""
    if hasattr(values, "tolist"):
        values = values.tolist()
    if isinstance(values, (int, float)):
        return [float(values)]
    out: List[float] = []
    stack = [values]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        else:
            out.append(float(item))
    return out


def as_array_input(values: Any) -> Any:
    """A tensor on the CPU as float (bfloat16 and friends have no numpy view); anything else as is."""
    if hasattr(values, "detach"):
        values = values.detach()
        if hasattr(values, "cpu"):
            values = values.cpu()
        if hasattr(values, "float") and hasattr(values, "is_floating_point"):
            values = values.float()
    return values


def _merge_bins(edges: List[float], counts: List[int], max_bins: Optional[int]) -> Tuple[List[float], List[int]]:
    """At most ``max_bins`` buckets: runs of ``ceil(n / max_bins)`` adjacent buckets merged."""
    n = len(counts)
    if not max_bins or max_bins < 1 or n <= max_bins:
        return edges, counts
    k = -(-n // max_bins)
    return edges[0:n:k] + [edges[n]], [sum(counts[i:i + k]) for i in range(0, n, k)]


def histogram(values: Any, bins: Any = "tensorflow", max_bins: Optional[int] = None) -> Tuple[List[float], List[int], int]:
    """``(edges, counts, left_out)`` of the finite values, as ``add_histogram`` sends them.

    ``left_out`` counts non-finite values. ``bins``: ``"tensorflow"`` (TensorBoard's exponential
    buckets over the values' range), a number of equal buckets, a sequence of edges, or (with numpy)
    any of numpy's bin strategies. Raises ValueError when no value is finite.
    """
    values = as_array_input(values)
    try:
        import numpy as np
    except ImportError:
        return histogram_python(flat_floats(values), bins, max_bins)
    array = np.asarray(values, dtype=np.float64).ravel()
    finite = array[np.isfinite(array)]
    left_out = int(array.size - finite.size)
    if finite.size == 0:
        raise ValueError(f"no finite values to histogram ({left_out} non-finite)")
    if isinstance(bins, str) and bins == "tensorflow":
        all_edges = np.asarray(tensorflow_edges())
        finite = np.clip(finite, all_edges[0], all_edges[-1])
        first = max(int(np.searchsorted(all_edges, finite.min(), side="right")) - 1, 0)
        last = min(int(np.searchsorted(all_edges, finite.max(), side="right")) - 1, len(all_edges) - 2)
        counts, edges = np.histogram(finite, bins=all_edges[first:last + 2])
    else:
        counts, edges = np.histogram(finite, bins=bins)
    edge_list, count_list = _merge_bins([float(e) for e in edges], [int(c) for c in counts], max_bins)
    return edge_list, count_list, left_out


def histogram_python(values: List[float], bins: Any, max_bins: Optional[int]) -> Tuple[List[float], List[int], int]:
    finite = [v for v in values if math.isfinite(v)]
    left_out = len(values) - len(finite)
    if not finite:
        raise ValueError(f"no finite values to histogram ({left_out} non-finite)")
    low, high = min(finite), max(finite)
    if isinstance(bins, str):
        if bins != "tensorflow":
            raise ValueError(f"bins={bins!r} needs numpy; without it use 'tensorflow', a number or edges")
        all_edges = tensorflow_edges()
        low, high = max(low, all_edges[0]), min(high, all_edges[-1])
        first = max(bisect.bisect_right(all_edges, low) - 1, 0)
        last = min(bisect.bisect_right(all_edges, high) - 1, len(all_edges) - 2)
        edges = all_edges[first:last + 2]
        finite = [min(max(v, all_edges[0]), all_edges[-1]) for v in finite]
    elif isinstance(bins, int):
        if bins < 1:
            raise ValueError(f"bins must be positive, got {bins}")
        if low == high:
            low, high = low - 0.5, high + 0.5
        edges = [low + (high - low) * i / bins for i in range(bins)] + [high]
    else:
        edges = [float(e) for e in bins]
    counts = [0] * (len(edges) - 1)
    for v in finite:
        if v < edges[0] or v > edges[-1]:
            continue  # outside explicit edges, as numpy leaves it out
        index = min(bisect.bisect_right(edges, v) - 1, len(counts) - 1)
        counts[index] += 1
    edges, counts = _merge_bins(list(edges), counts, max_bins)
    return edges, counts, left_out
