"""Flushing denormal floats to zero while numnet trains (as TensorFlow and XLA do on CPUs).

When ReLU units die or gradients vanish, optimizer state such as Adam's momentum decays
geometrically into the denormal range (below ~1.2e-38 in float32). x86 CPUs handle
denormals in microcode, tens of times slower than normal floats: on the W1 benchmark MLP a
training step went from 3.8 ms to 10 ms once three quarters of Adam's momentum was
denormal. Setting the FTZ (flush-to-zero) and DAZ (denormals-are-zero) bits of the SSE
control register MXCSR makes such values exact zeros instead; numerically this changes
nothing a float32 weight can show, and it is what Keras's TensorFlow and JAX backends do.

NumPy has no switch for MXCSR, so `flush_denormals` installs two tiny x86-64 routines
(read and write MXCSR) in an executable page through `mmap` and calls them with ctypes.
It is used as a context manager around `fit`/`evaluate`/`predict`, so it affects only
numnet's own loops, on the calling thread, and restores the previous mode afterwards. Off
x86-64, or where an executable page cannot be mapped, or with ``NUMNET_FLUSH_DENORMALS=0``,
it does nothing.
"""
from __future__ import annotations

import contextlib
import ctypes
import mmap
import os
import platform
from typing import Callable, Iterator, Optional, Tuple

_FTZ_DAZ = 0x8040  # MXCSR bit 15 (flush to zero) and bit 6 (denormals are zero)

# sub rsp,8; stmxcsr [rsp]; mov eax,[rsp]; add rsp,8; ret
_GET_MXCSR = bytes.fromhex("4883ec08" "0fae1c24" "8b0424" "4883c408" "c3")
# sub rsp,8; mov [rsp],edi; ldmxcsr [rsp]; add rsp,8; ret
_SET_MXCSR = bytes.fromhex("4883ec08" "893c24" "0fae1424" "4883c408" "c3")

_routines: Optional[Tuple[Callable[[], int], Callable[[int], None]]] = None
_unavailable = False
_page: Optional[mmap.mmap] = None


def _disabled_by_user() -> bool:
    return os.environ.get("NUMNET_FLUSH_DENORMALS", "1").strip().lower() in ("0", "false", "no", "off")


def _load() -> Optional[Tuple[Callable[[], int], Callable[[int], None]]]:
    global _routines, _unavailable, _page
    if _routines is not None or _unavailable:
        return _routines
    if platform.machine().lower() not in ("x86_64", "amd64") or os.name != "posix":
        _unavailable = True
        return None
    try:
        page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        page.write(_GET_MXCSR + b"\xcc" * (64 - len(_GET_MXCSR)) + _SET_MXCSR)
        base = ctypes.addressof(ctypes.c_char.from_buffer(page))
        get_mxcsr = ctypes.CFUNCTYPE(ctypes.c_uint32)(base)
        set_mxcsr = ctypes.CFUNCTYPE(None, ctypes.c_uint32)(base + 64)
        get_mxcsr()  # a platform refusing executable pages fails here, not mid-training
    except (OSError, ValueError, TypeError, AttributeError):
        _unavailable = True
        return None
    _page = page  # the routines live in this page: keep it mapped for the process
    _routines = (get_mxcsr, set_mxcsr)
    return _routines


def denormals_flushable() -> bool:
    """True when `flush_denormals` can act here (x86-64, executable page, not disabled by the user).

    Returns:
        Whether entering `flush_denormals()` will set FTZ/DAZ.
    """
    return not _disabled_by_user() and _load() is not None


@contextlib.contextmanager
def flush_denormals() -> Iterator[bool]:
    """Within this block, denormal floats are read and produced as zeros on this thread.

    Yields:
        True when the mode is in effect, False when it is not available (see the module
        docstring); the previous mode is restored on exit either way.
    """
    routines = None if _disabled_by_user() else _load()
    if routines is None:
        yield False
        return
    get_mxcsr, set_mxcsr = routines
    previous = get_mxcsr()
    set_mxcsr(previous | _FTZ_DAZ)
    try:
        yield True
    finally:
        set_mxcsr(previous)
