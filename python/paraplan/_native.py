"""Loads libparaplan and calls its C ABI (include/paraplan.h) through ctypes.

ctypes releases the GIL for the duration of every foreign call, so planning from several Python threads runs in
parallel. Every call returns the CLI's exit code and one malloc'd string, which is copied and freed here.
"""

from __future__ import annotations

import ctypes
import json
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import LibraryError, from_status

ABI_VERSION = 1

_VOIDP = ctypes.c_void_p
_I64 = ctypes.c_int64
_OUT = ctypes.POINTER(ctypes.c_void_p)


def _library_path() -> str:
    override = os.environ.get("PARAPLAN_LIBRARY")
    if override:
        return override
    bundled = Path(__file__).parent / "_lib" / "libparaplan.so"
    if bundled.exists():
        return str(bundled)
    raise LibraryError(
        f"{bundled}: the native library is missing; install the package with 'pip install ./python' from the "
        "repository (it builds the library), or point PARAPLAN_LIBRARY at a libParaPlanABI.so"
    )


def _declare(lib: ctypes.CDLL) -> None:
    lib.pp_abi_version.restype = ctypes.c_uint32
    lib.pp_abi_version.argtypes = []
    lib.pp_version.restype = ctypes.c_char_p
    lib.pp_version.argtypes = []
    lib.pp_free.restype = None
    lib.pp_free.argtypes = [_VOIDP]
    lib.pp_planner_new.restype = ctypes.c_int32
    lib.pp_planner_new.argtypes = [ctypes.c_char_p, ctypes.c_char_p, _OUT, _OUT]
    lib.pp_planner_free.restype = None
    lib.pp_planner_free.argtypes = [_VOIDP]
    lib.pp_plan_sequence_parallel.restype = ctypes.c_int32
    lib.pp_plan_sequence_parallel.argtypes = [_VOIDP, _VOIDP, _I64, _OUT, _OUT]
    lib.pp_plan_batch_balance.restype = ctypes.c_int32
    lib.pp_plan_batch_balance.argtypes = [_VOIDP, _VOIDP, _I64, _VOIDP, _VOIDP, _VOIDP, _OUT, _OUT]
    lib.pp_plan_expert_placement.restype = ctypes.c_int32
    lib.pp_plan_expert_placement.argtypes = [_VOIDP, _VOIDP, _I64, _I64, _VOIDP, _I64, ctypes.c_char_p, _OUT, _OUT]
    lib.pp_plan_gnn_pipeline.restype = ctypes.c_int32
    lib.pp_plan_gnn_pipeline.argtypes = [_VOIDP, _VOIDP, _I64, _I64, ctypes.c_char_p, _OUT, _OUT]
    lib.pp_plan_load.restype = ctypes.c_int32
    lib.pp_plan_load.argtypes = [ctypes.c_char_p, ctypes.c_char_p, _OUT, _OUT]
    lib.pp_plan_export.restype = ctypes.c_int32
    lib.pp_plan_export.argtypes = [
        _VOIDP,
        _OUT,
        ctypes.POINTER(_VOIDP),
        ctypes.POINTER(_I64),
        ctypes.POINTER(_VOIDP),
        ctypes.POINTER(_I64),
    ]
    lib.pp_plan_json.restype = ctypes.c_int32
    lib.pp_plan_json.argtypes = [_VOIDP, ctypes.c_int32, _OUT]
    lib.pp_plan_free.restype = None
    lib.pp_plan_free.argtypes = [_VOIDP]
    lib.pp_call.restype = ctypes.c_int32
    lib.pp_call.argtypes = [ctypes.c_char_p, ctypes.c_char_p, _OUT]


_lock = threading.Lock()
_lib: ctypes.CDLL | None = None


def library() -> ctypes.CDLL:
    """The loaded library, checked against the ABI version this package speaks."""
    global _lib
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            path = _library_path()
            try:
                lib = ctypes.CDLL(path)
            except OSError as error:
                raise LibraryError(f"{path}: cannot be loaded ({error})") from error
            _declare(lib)
            found = lib.pp_abi_version()
            if found != ABI_VERSION:
                raise LibraryError(f"{path}: C ABI version {found}, this package needs {ABI_VERSION}")
            _lib = lib
    return _lib


def take_text(pointer: ctypes.c_void_p) -> str:
    """The string the library handed out, copied, then freed."""
    if not pointer.value:
        return ""
    try:
        return ctypes.string_at(pointer.value).decode("utf-8")
    finally:
        library().pp_free(pointer.value)


def check(status: int, out: ctypes.c_void_p) -> str:
    """The answer on success; the mapped exception with the library's message otherwise."""
    text = take_text(out)
    if status != 0:
        raise from_status(status, text or f"paraplan failed with status {status}")
    return text


def call(command: str, request: str) -> str:
    """``pp_call``: one of the CLI's non-planning commands with a JSON request."""
    out = ctypes.c_void_p()
    status = library().pp_call(command.encode(), request.encode(), ctypes.byref(out))
    return check(status, out)


def new_planner(kind: str, options: str) -> int:
    """A planner handle (an opaque address) made by ``pp_planner_new``."""
    handle = ctypes.c_void_p()
    error = ctypes.c_void_p()
    status = library().pp_planner_new(kind.encode(), options.encode(), ctypes.byref(handle), ctypes.byref(error))
    check(status, error)
    assert handle.value is not None
    return handle.value


def free_planner(handle: int) -> None:
    library().pp_planner_free(handle)


def version() -> str:
    value: Any = library().pp_version()
    return str(value.decode())


def handed_out(status: int, plan: ctypes.c_void_p, error: ctypes.c_void_p) -> int:
    """The plan handle a ``pp_plan_*`` call made, or its error raised."""
    check(status, error)
    assert plan.value is not None
    return plan.value


def load_plan(text: str, source: str) -> int:
    plan, error = ctypes.c_void_p(), ctypes.c_void_p()
    status = library().pp_plan_load(text.encode(), source.encode(), ctypes.byref(plan), ctypes.byref(error))
    return handed_out(status, plan, error)


def _copy(pointer: int | None, count: int, ctype: Any, dtype: Any) -> npt.NDArray[Any]:
    if not count or not pointer:
        return np.zeros(0, dtype=dtype)
    return np.frombuffer((ctype * count).from_address(pointer), dtype=dtype).copy()


def export_plan(handle: int) -> tuple[dict[str, Any], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The plan's header and copies of its two flat arrays."""
    header = ctypes.c_void_p()
    ints, doubles = ctypes.c_void_p(), ctypes.c_void_p()
    int_count, double_count = ctypes.c_int64(), ctypes.c_int64()
    status = library().pp_plan_export(
        handle,
        ctypes.byref(header),
        ctypes.byref(ints),
        ctypes.byref(int_count),
        ctypes.byref(doubles),
        ctypes.byref(double_count),
    )
    text = check(status, header)
    return (
        json.loads(text),
        _copy(ints.value, int_count.value, ctypes.c_int64, np.int64),
        _copy(doubles.value, double_count.value, ctypes.c_double, np.float64),
    )


def plan_json(handle: int, compact: bool) -> str:
    out = ctypes.c_void_p()
    return check(library().pp_plan_json(handle, 1 if compact else 0, ctypes.byref(out)), out)


def free_plan(handle: int) -> None:
    library().pp_plan_free(handle)
