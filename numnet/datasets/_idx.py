"""Reading IDX files, the format MNIST and Fashion-MNIST are published in.

An IDX file is a 4-byte magic number ``00 00 TT NN`` (``TT`` the element type, ``NN`` the
number of dimensions), then ``NN`` big-endian uint32 sizes, then the elements in C order,
big-endian. Files ending in ``.gz`` are decompressed first.
"""
from __future__ import annotations

import gzip
import os
import zlib
from typing import Union

import numpy as np

__all__ = ["parse_idx", "load_idx"]

# IDX type code -> big-endian NumPy dtype.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse the bytes of an (uncompressed) IDX file.

    Args:
        data: the file's content.
        name: what to call the file in error messages.

    Returns:
        An array of the declared shape, in native byte order (uint8 for image and label files).

    Raises:
        ValueError: the bytes are not a well-formed IDX file (bad magic number, unknown type
            code, or a data section shorter or longer than the header declares).
    """
    if len(data) < 4:
        raise ValueError(f"{name}: not an IDX file: {len(data)} bytes, too short for the 4-byte magic number")
    if data[0] != 0 or data[1] != 0:
        raise ValueError(
            f"{name}: not an IDX file: the magic number must start with two zero bytes, "
            f"got 0x{data[0]:02x} 0x{data[1]:02x}"
        )
    type_code, ndim = data[2], data[3]
    if type_code not in _IDX_DTYPES:
        known = ", ".join(f"0x{c:02x}" for c in _IDX_DTYPES)
        raise ValueError(f"{name}: unknown IDX element type 0x{type_code:02x} (known: {known})")
    if ndim == 0:
        raise ValueError(f"{name}: IDX header declares 0 dimensions")
    header_end = 4 + 4 * ndim
    if len(data) < header_end:
        raise ValueError(
            f"{name}: truncated IDX header: {ndim} dimensions need {header_end} bytes, file has {len(data)}"
        )
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = _IDX_DTYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(data) - header_end
    if actual != expected:
        problem = "truncated" if actual < expected else "has trailing bytes"
        raise ValueError(
            f"{name}: IDX data {problem}: header declares shape {shape} of {dtype.name} "
            f"({expected} bytes), found {actual} bytes after the header"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header_end).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def load_idx(path: Union[str, os.PathLike]) -> np.ndarray:
    """Read an IDX file from disk, gunzipping it first when its name ends in ``.gz``.

    Args:
        path: the file.

    Returns:
        The parsed array (see `parse_idx`).

    Raises:
        ValueError: the file is not valid gzip (for ``.gz``) or not a well-formed IDX file.
        OSError: the file cannot be read.
    """
    path = os.fspath(path)
    if path.endswith(".gz"):
        try:
            with gzip.open(path, "rb") as f:
                data = f.read()
        except (gzip.BadGzipFile, EOFError, zlib.error) as e:
            raise ValueError(f"{path}: corrupt gzip file ({e})") from e
    else:
        with open(path, "rb") as f:
            data = f.read()
    return parse_idx(data, name=path)
