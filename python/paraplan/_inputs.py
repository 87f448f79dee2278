"""Turns Python arguments into what the C ABI takes: JSON options keyed by the CLI's flags, and contiguous numpy
arrays. Types and shapes are checked here; values (ranges, limits) by the library, which names them the CLI's way."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, Union, runtime_checkable

import numpy as np
import numpy.typing as npt

from .errors import InputError


@runtime_checkable
class SupportsToDict(Protocol):
    """A configuration object that exports itself as a dict, such as transformers' ``PretrainedConfig``."""

    def to_dict(self) -> dict[str, Any]: ...


#: A model, cluster or profile: a preset name or file path, or the document itself as a mapping; a model may also be
#: a Hugging Face checkpoint directory (its ``config.json``) or ``PretrainedConfig`` (``model.config`` of a
#: transformers model), read through its ``to_dict()``.
Source = Union[str, "os.PathLike[str]", Mapping[str, Any], SupportsToDict]

_INT64_MAX = np.iinfo(np.int64).max


def source(name: str, value: Source | None) -> str | dict[str, Any] | None:
    """A preset/path string, or a JSON-ready copy of a mapping."""
    if value is None:
        return None
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, str):
        if not value:
            raise InputError(f"{name}: must not be empty")
        return value
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, SupportsToDict):
        exported = value.to_dict()
        if isinstance(exported, Mapping):
            return dict(exported)
        raise InputError(f"{name}: {type(value).__name__}.to_dict() returned {type(exported).__name__}, not a mapping")
    raise InputError(
        f"{name} = {type(value).__name__}: must be a preset name, a file path, a mapping or a config "
        "object with to_dict()"
    )


def speed_factors(value: Sequence[float] | npt.ArrayLike | Source | None) -> str | dict[str, Any] | None:
    """Speeds as a list (one per GPU or rank), or a cluster file / ``whatif`` speed-factors file (path or mapping)."""
    if value is None or isinstance(value, (str, os.PathLike, Mapping)):
        return source("speed_factors", value)
    try:
        speeds = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InputError(f"speed_factors: {error}") from None
    if speeds.ndim != 1 or speeds.size == 0:
        raise InputError(f"speed_factors: must be a non-empty list of numbers, got shape {speeds.shape}")
    return {"speedFactors": [float(speed) for speed in speeds]}


def options(values: Mapping[str, Any]) -> str:
    """JSON with the CLI's flag names (``micro_batches`` -> ``micro-batches``), None values left out."""
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, (bool, np.bool_)):
            value = bool(value)
        elif isinstance(value, (int, np.integer)):
            value = int(value)
        elif isinstance(value, (float, np.floating)):
            value = float(value)
            if not math.isfinite(value):
                raise InputError(f"{key} = {value}: must be a finite number")
        cleaned[key.replace("_", "-")] = value
    try:
        return json.dumps(cleaned, allow_nan=False, sort_keys=True)
    except (TypeError, ValueError) as error:
        raise InputError(f"options: {error}") from error


def int64_array(name: str, value: Any, *, ndim: int = 1, columns: int | None = None) -> npt.NDArray[np.int64]:
    """A C-contiguous int64 array of whole numbers; floats only when every value is whole, no bools or strings."""
    array = _as_array(name, value)
    if array.dtype == np.bool_ or array.dtype.kind not in "iuf":
        raise InputError(f"{name}: dtype {array.dtype}: must hold whole numbers")
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)):
            raise InputError(f"{name}: must hold finite whole numbers (found NaN or infinity)")
        if not np.all(array == np.floor(array)):
            raise InputError(f"{name}: must hold whole numbers (found a fraction)")
        if array.size and (array.max() >= 2.0**63 or array.min() < -(2.0**63)):
            raise InputError(f"{name}: values must fit in 64 bits")
    elif array.dtype.kind == "u" and array.size and int(array.max()) > _INT64_MAX:
        raise InputError(f"{name}: values must fit in 64 bits")
    _check_shape(name, array, ndim, columns)
    return np.ascontiguousarray(array, dtype=np.int64)


def float64_array(name: str, value: Any, *, ndim: int) -> npt.NDArray[np.float64]:
    """A C-contiguous float64 array of finite numbers."""
    array = _as_array(name, value)
    if array.dtype == np.bool_ or array.dtype.kind not in "iuf":
        raise InputError(f"{name}: dtype {array.dtype}: must hold numbers")
    _check_shape(name, array, ndim, None)
    converted = np.ascontiguousarray(array, dtype=np.float64)
    if not np.all(np.isfinite(converted)):
        raise InputError(f"{name}: must hold finite numbers (found NaN or infinity)")
    return converted


def ragged_int64(name: str, rows: Sequence[Any], count: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per-row lists as CSR: offsets [count + 1] and the values laid end to end."""
    if isinstance(rows, (str, bytes)) or not isinstance(rows, (Sequence, np.ndarray)):
        raise InputError(f"{name}: must be a sequence with one list per sample")
    if len(rows) != count:
        raise InputError(f"{name}: {len(rows)} rows for {count} samples")
    offsets = np.zeros(count + 1, dtype=np.int64)
    parts: list[npt.NDArray[np.int64]] = []
    for index, row in enumerate(rows):
        values = int64_array(f"{name}[{index}]", [] if row is None else row)
        parts.append(values)
        offsets[index + 1] = offsets[index] + values.size
    flat = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    return offsets, np.ascontiguousarray(flat, dtype=np.int64)


def _as_array(name: str, value: Any) -> np.ndarray[Any, Any]:
    if value is None or isinstance(value, (str, bytes, Mapping)):
        raise InputError(f"{name}: must be an array or a list of numbers, not {type(value).__name__}")
    try:
        return np.asarray(value)
    except (ValueError, TypeError, OverflowError) as error:
        raise InputError(f"{name}: not a rectangular array of numbers ({error})") from error


def _check_shape(name: str, array: np.ndarray[Any, Any], ndim: int, columns: int | None) -> None:
    if array.ndim != ndim:
        raise InputError(f"{name}: shape {tuple(array.shape)}: must have {ndim} dimension{'s' if ndim > 1 else ''}")
    if columns is not None and array.shape[-1] != columns:
        raise InputError(f"{name}: shape {tuple(array.shape)}: must have {columns} columns")
