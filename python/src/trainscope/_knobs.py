"""Knob specs as a producer declares them, and values as the dashboard may set them."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Dict, Optional, Union

from ._events import as_number

KnobValue = Union[int, float, str]

def knob_specs(knobs: Optional[Mapping[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """Knob specs by name from ``{"lr": {"value": 1e-3, "min": ..., ...}}`` (a bare value is allowed)."""
    specs: Dict[str, Dict[str, Any]] = {}
    for name, spec in (knobs or {}).items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"knob names must be non-empty strings, got {name!r}")
        spec = dict(spec) if isinstance(spec, Mapping) else {"value": spec}
        spec.pop("name", None)
        if "value" not in spec:
            raise ValueError(f"knob {name!r}: a spec needs a 'value'")
        value = spec["value"]
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            value = as_number(value, f"knob {name!r} value")
        if "scale" in spec and spec["scale"] not in ("lin", "log"):
            raise ValueError(f"knob {name!r}: scale must be 'lin' or 'log', got {spec['scale']!r}")
        if "choices" in spec:
            spec["choices"] = [str(c) for c in spec["choices"]]
        spec["value"] = value
        specs[name] = spec
    return specs


def coerce_knob_value(spec: Mapping[str, Any], value: Any) -> Optional[KnobValue]:
    """``value`` as the knob takes it, or None when the spec does not allow it."""
    choices = spec.get("choices")
    if choices is not None or isinstance(spec["value"], str):
        if not isinstance(value, str) or (choices is not None and value not in choices):
            return None
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    low, high = spec.get("min"), spec.get("max")
    if (isinstance(low, (int, float)) and value < low) or (isinstance(high, (int, float)) and value > high):
        return None
    if isinstance(spec["value"], int) and float(value).is_integer():
        return int(value)
    return float(value)

