"""Events as PROTOCOL.md writes them: numbers, JSON lines, and the fields of each event kind.

Pure functions: they validate what a caller passes and return plain dicts, so :class:`Client`
and anything else that writes events (a file, a test) share one serialization.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Mapping
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

#: Schema version written in every line's ``"v"``.
PROTOCOL_VERSION = 1

Number = Union[int, float]

_MAX_EXACT_INT = 1 << 53

def _float(x: float) -> Union[int, float, str]:
    """A float as the protocol writes it: non-finite as strings, integral values without a fraction."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x.is_integer() and abs(x) < _MAX_EXACT_INT:
        return int(x)
    return x


def jsonable(x: Any) -> Any:
    """A copy of ``x`` that ``json.dumps(allow_nan=False)`` accepts (numbers per PROTOCOL.md)."""
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, int):
        return int(x)
    if isinstance(x, float):
        return _float(float(x))
    if isinstance(x, Mapping):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in x]
    if hasattr(x, "tolist"):  # numpy arrays and scalars, torch tensors
        try:
            return jsonable(x.tolist())
        except Exception:
            pass
    try:
        return operator.index(x)
    except TypeError:
        pass
    try:
        return _float(float(x))
    except (TypeError, ValueError):
        return str(x)


def dumps(event: Mapping[str, Any]) -> bytes:
    """One NDJSON line (ASCII, so it is valid whatever the sink's encoding)."""
    text = json.dumps(jsonable(event), ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.encode("ascii") + b"\n"


def as_number(x: Any, what: str) -> Number:
    """A metric value as a number; accepts anything ``float()`` takes (numpy scalars, 1-element tensors)."""
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, (int, float)):
        return x
    try:
        return float(x)
    except (TypeError, ValueError):
        raise TypeError(f"{what}: expected a number, got {type(x).__name__}") from None


def as_numbers(xs: Any, what: str) -> List[Number]:
    """A sequence of numbers (lists, tuples, numpy arrays, tensors)."""
    if hasattr(xs, "tolist"):
        xs = xs.tolist()
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Iterable):
        raise TypeError(f"{what}: expected a sequence of numbers, got {type(xs).__name__}")
    return [as_number(x, what) for x in xs]


def as_step(step: Any) -> int:
    """A training step as an int (ints, numpy/torch integers, integral floats)."""
    try:
        return operator.index(step)
    except TypeError:
        pass
    try:
        value = float(step)
    except (TypeError, ValueError):
        raise TypeError(f"step: expected an integer, got {type(step).__name__}") from None
    if not value.is_integer():
        raise ValueError(f"step: expected an integer, got {step!r}")
    return int(value)

def _sort_key(x: Number) -> float:
    return -math.inf if isinstance(x, float) and math.isnan(x) else float(x)


def _pair_object(value: Any, keys: Tuple[str, str], what: str, extra: Optional[str] = None) -> Dict[str, Any]:
    """``{"grid": [...], "values": [...]}`` from a mapping or a ``(grid, values[, width])`` tuple."""
    if isinstance(value, Mapping):
        first, second = value.get(keys[0]), value.get(keys[1])
        rest = value.get(extra) if extra else None
    else:
        parts = list(value)
        if len(parts) not in ((2, 3) if extra else (2,)):
            raise ValueError(f"{what}: expected ({', '.join(keys)}{', ' + extra if extra else ''})")
        first, second = parts[0], parts[1]
        rest = parts[2] if len(parts) == 3 else None
    out: Dict[str, Any] = {keys[0]: as_numbers(first, f"{what} {keys[0]}"), keys[1]: as_numbers(second, f"{what} {keys[1]}")}
    if len(out[keys[0]]) != len(out[keys[1]]):
        raise ValueError(f"{what}: {keys[0]} and {keys[1]} must have equal length")
    if rest is not None and extra:
        out[extra] = as_number(rest, f"{what} {extra}")
    return out



def scalars_fields(values: Optional[Mapping[str, Any]], metrics: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """The fields of a ``scalars`` event from a dict and keywords (keywords win), or None when empty."""
    merged: Dict[str, Any] = dict(values) if values is not None else {}
    merged.update(metrics)
    if not merged:
        return None
    out = {str(name): as_number(merged[name], f"metric {name!r}") for name in merged}
    return {"values": {name: out[name] for name in sorted(out)}}


def spectrum_fields(
    top: Sequence[Number],
    trace: Optional[Number] = None,
    density: Optional[Union[Mapping[str, Any], Sequence[Any]]] = None,
    estimator: Optional[Mapping[str, Any]] = None,
    cost: Optional[Union[Mapping[str, Number], Tuple[int, float]]] = None,
    trace_stderr: Optional[Number] = None,
    ritz: Optional[Union[Mapping[str, Any], Sequence[Any]]] = None,
    block: Optional[str] = None,
) -> Dict[str, Any]:
    """The fields of a ``spectrum`` event (see :meth:`trainscope.Client.spectrum`)."""
    fields: Dict[str, Any] = {"top": sorted(as_numbers(top, "top"), key=_sort_key, reverse=True)}
    if trace is not None:
        fields["trace"] = as_number(trace, "trace")
    if trace_stderr is not None:
        fields["trace_stderr"] = as_number(trace_stderr, "trace_stderr")
    if density is not None:
        fields["density"] = _pair_object(density, ("grid", "values"), "density", extra="width")
    if ritz is not None:
        fields["ritz"] = _pair_object(ritz, ("nodes", "weights"), "ritz")
    if estimator is not None:
        fields["estimator"] = dict(estimator)
    if cost is not None:
        if isinstance(cost, Mapping):
            cost_fields: Dict[str, Any] = dict(cost)
            hvps, seconds = cost_fields.pop("hvps", None), cost_fields.pop("seconds", None)
        else:
            hvps, seconds = cost
            cost_fields = {}
        if hvps is None or seconds is None:
            raise ValueError("cost needs hvps and seconds")
        fields["cost"] = {"hvps": as_step(hvps), "seconds": as_number(seconds, "cost seconds"), **cost_fields}
    if block is not None:
        fields["block"] = str(block)
    return fields


def pareto_fields(
    objectives: Sequence[Union[Tuple[str, str], Mapping[str, str]]],
    points: Sequence[Union[Sequence[Number], Mapping[str, Any]]],
    labels: Optional[Sequence[Optional[str]]] = None,
    reference: Optional[Sequence[Number]] = None,
) -> Dict[str, Any]:
    """The fields of a ``pareto`` event (see :meth:`trainscope.Client.pareto`)."""
    objs = []
    for objective in objectives:
        if isinstance(objective, Mapping):
            name, direction = objective.get("name"), objective.get("direction", "min")
        else:
            name, direction = objective
        if direction not in ("min", "max"):
            raise ValueError(f"objective {name!r}: direction must be 'min' or 'max', got {direction!r}")
        objs.append({"name": str(name), "direction": direction})
    if labels is not None and len(labels) != len(points):
        raise ValueError(f"pareto: {len(labels)} labels for {len(points)} points")
    pts = []
    for index, point in enumerate(points):
        label: Optional[Any] = None
        if isinstance(point, Mapping):
            entry: Dict[str, Any] = {"values": as_numbers(point["values"], "pareto point")}
            label = point.get("label")
        else:
            entry = {"values": as_numbers(point, "pareto point")}
        if labels is not None:
            label = labels[index]
        if len(entry["values"]) != len(objs):
            raise ValueError(f"pareto point {index}: {len(entry['values'])} values for {len(objs)} objectives")
        if label is not None:
            entry["label"] = str(label)
        pts.append(entry)
    fields: Dict[str, Any] = {"objectives": objs, "points": pts}
    if reference is not None:
        fields["reference"] = as_numbers(reference, "reference")
    return fields


def phase_fields(name: str, message: Optional[str], evidence: Mapping[str, Any]) -> Dict[str, Any]:
    """The fields of a ``phase`` event."""
    fields: Dict[str, Any] = {"name": str(name)}
    if evidence:
        fields["evidence"] = dict(evidence)
    if message is not None:
        fields["message"] = str(message)
    return fields


def histogram_fields(name: str, edges: Sequence[Number], counts: Sequence[Number]) -> Dict[str, Any]:
    """The fields of a ``histogram`` event: ``counts[i]`` values fell in ``[edges[i], edges[i+1])``."""
    edge_list = as_numbers(edges, "edges")
    count_list = [as_step(c) for c in (counts.tolist() if hasattr(counts, "tolist") else counts)]
    if len(edge_list) != len(count_list) + 1:
        raise ValueError(f"histogram {name!r}: needs one more edge than counts, got {len(edge_list)} and {len(count_list)}")
    return {"name": str(name), "edges": edge_list, "counts": count_list}
