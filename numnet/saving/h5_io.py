"""Safe HDF5 access: atomic writes, and opening untrusted files without following anything risky.

Every file numnet reads goes through `open_h5`, which walks the whole object tree *before* any
dataset is read and refuses what a weights file never needs and an attacker could abuse:
soft and external links, hard-link aliases and cycles, named datatypes, external-storage and
virtual datasets (both read other files of the host), unusual filters (which could load a
plugin), object/variable-length/compound dtypes, and "shape bombs" whose declared size is far
beyond what the file could hold.

Errors: `FileNotFoundError` (missing file), `CorruptFileError` (an `OSError`: not HDF5,
truncated, unreadable), `UnsafeFileError` and `FileLayoutError` (both `ValueError`).
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import tempfile
import threading
from typing import Any, Callable, Dict, Iterator, List, Optional

import numpy as np

try:
    import h5py
except ImportError:  # pragma: no cover - h5py is a declared dependency
    h5py = None

__all__ = [
    "CorruptFileError", "UnsafeFileError", "FileLayoutError", "atomic_write", "atomic_write_path", "open_h5",
    "read_dataset", "read_attr", "read_str_attr", "read_json_dataset", "write_json_dataset",
    "subgroup", "check_filepath", "write_digest",
]

# A dataset may not declare more bytes than EXPANSION x file size + SLACK (uncompressed data
# always fits in the file; legitimate compression of weights rarely exceeds a few x).
EXPANSION = 8
SLACK = 1 << 20
MAX_DEPTH = 64
MAX_OBJECTS = 1_000_000
MAX_ATTR_ELEMENTS = 1_000_000
# Filters built into HDF5 (+ LZF, which h5py registers itself); anything else might be loaded
# from a plugin library, so it is refused.
_SAFE_FILTERS = {1: "gzip", 2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit",
                 6: "scaleoffset", 32000: "lzf"}
DIGEST_ATTR = "content_sha256"
# Files are written with HDF5 1.10 structures, whose metadata carries checksums.
LIBVER = ("v110", "v110")
_reading = threading.local()


class CorruptFileError(OSError):
    """The file is not HDF5, is truncated, or could not be read."""


class UnsafeFileError(ValueError):
    """The file uses an HDF5 feature numnet refuses to load (links, external data, bombs...)."""


class FileLayoutError(ValueError):
    """The HDF5 file is readable but is not laid out as the loader expects."""


def _require_h5py() -> None:
    if h5py is None:  # pragma: no cover
        raise ImportError("numnet.saving needs h5py: pip install h5py")


def check_filepath(filepath: Any, what: str = "filepath") -> str:
    """Return `filepath` as a str path.

    Raises:
        TypeError: it is not a str or os.PathLike.
    """
    if isinstance(filepath, bytes) or not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(f"{what} must be a str or os.PathLike, got {type(filepath).__name__} {filepath!r:.100}")
    path = os.fspath(filepath)
    if not path:
        raise ValueError(f"{what} must not be empty")
    return path


# ----------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------
def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(filepath: Any, writer: Callable[["h5py.File"], None], overwrite: bool = True) -> None:
    """Write an HDF5 file atomically: `writer(f)` fills a temp file next to it, then `os.replace`.

    If anything fails (including `writer`), the temp file is removed and an existing file at
    `filepath` is left exactly as it was.

    Args:
        filepath: destination path.
        writer: called with the open, empty `h5py.File` to fill.
        overwrite: if False and the file exists, raise instead of replacing it.

    Raises:
        FileExistsError: the file exists and `overwrite` is False.
        FileNotFoundError: the destination folder does not exist.
    """
    _require_h5py()

    def fill(tmp: str) -> None:
        with h5py.File(tmp, "w", libver=LIBVER) as f:
            writer(f)
            f.flush()

    atomic_write_path(filepath, fill, overwrite=overwrite)


def atomic_write_path(filepath: Any, fill: Callable[[str], None], overwrite: bool = True) -> None:
    """Write any file atomically: `fill(tmp_path)` writes a temp file next to it, then `os.replace`.

    The temp file is fsynced and given the permissions of the file it replaces (or the
    umask's default). If anything fails (including `fill`), the temp file is removed and an
    existing file at `filepath` is left exactly as it was.

    Args:
        filepath: destination path.
        fill: called with the path of an empty temp file in the destination folder to write.
        overwrite: if False and the file exists, raise instead of replacing it.

    Raises:
        FileExistsError: the file exists and `overwrite` is False.
        FileNotFoundError: the destination folder does not exist.
        IsADirectoryError: `filepath` is a directory.
    """
    path = check_filepath(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(errno.EEXIST, "File exists and overwrite=False", path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, "Folder to save into does not exist", folder)
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "Cannot save to a directory", path)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else _default_mode()
        fill(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"object of type {type(obj).__name__} is not JSON serializable: {obj!r:.100}")


def write_json_dataset(group: "h5py.Group", name: str, value: Any) -> None:
    """Store `value` as UTF-8 JSON bytes in a 1-D uint8 dataset called `name`."""
    text = json.dumps(value, default=_json_default, allow_nan=True, sort_keys=False)
    group.create_dataset(name, data=np.frombuffer(text.encode("utf-8"), dtype=np.uint8))
    group[name].attrs["content"] = np.bytes_("application/json; charset=utf-8")


def _attr_bytes(value: Any) -> bytes:
    if isinstance(value, h5py.Empty):
        return b"E" + np.dtype(value.dtype).str.encode()
    arr = np.asarray(value)
    if arr.dtype.kind == "O":
        items = [x.encode("utf-8") if isinstance(x, str) else bytes(x) for x in arr.ravel()]
        return b"O" + repr(arr.shape).encode() + b"\0".join(items)
    return arr.dtype.str.encode() + repr(arr.shape).encode() + np.ascontiguousarray(arr).tobytes()


def _digest(f: Any, cache: Optional[Dict[str, np.ndarray]] = None) -> str:
    """SHA-256 over every object's path, attributes (but the digest itself) and dataset bytes."""
    names: List[str] = ["/"]
    f.visit(lambda name: names.append("/" + name))
    h = hashlib.sha256()
    for name in sorted(names):
        obj = f[name]
        is_ds = isinstance(obj, h5py.Dataset)
        h.update((b"D" if is_ds else b"G") + name.encode("utf-8") + b"\0")
        for key in sorted(obj.attrs.keys()):
            if name == "/" and key == DIGEST_ATTR:
                continue
            h.update(b"A" + key.encode("utf-8") + b"\0" + _attr_bytes(obj.attrs[key]))
        if is_ds:
            arr = np.asarray(obj[()])
            if cache is not None:
                cache[name] = arr
            h.update(arr.dtype.str.encode() + repr(arr.shape).encode() + np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def write_digest(f: Any) -> None:
    """Store the content digest as a root attribute (call last, after everything is written)."""
    f.attrs[DIGEST_ATTR] = np.bytes_(_digest(f).encode("ascii"))


# ----------------------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------------------
@contextlib.contextmanager
def _translated(path: str) -> Iterator[None]:
    """Turn anything h5py throws into a CorruptFileError naming the file (ours pass through)."""
    try:
        yield
    except (CorruptFileError, UnsafeFileError, FileLayoutError):
        raise
    except RecursionError:
        raise CorruptFileError(f"Could not read '{path}': structure nested too deeply") from None
    except Exception as exc:  # h5py raises OSError/KeyError/RuntimeError/TypeError/ValueError...
        raise CorruptFileError(f"Could not read '{path}': the file is damaged or unreadable "
                               f"({type(exc).__name__}: {exc})") from exc


def _check_attrs(obj: Any, where: str, path: str, file_size: int) -> int:
    """Refuse risky attributes of `obj`; return how many it has."""
    names = _attr_names(obj)
    if len(names) > MAX_OBJECTS:
        raise UnsafeFileError(f"'{path}': {where} has {len(names)} attributes; refused")
    for raw in names:
        aid = h5py.h5a.open(obj.id, raw)
        dtype = aid.dtype
        name = raw.decode("utf-8", "replace")
        n = int(np.prod(aid.shape, dtype=object)) if aid.shape else 1
        if n > MAX_ATTR_ELEMENTS:
            raise UnsafeFileError(f"'{path}': attribute '{name}' of {where} declares {n} elements; refused")
        if dtype.kind == "O":
            if h5py.check_string_dtype(dtype) is None:
                raise UnsafeFileError(f"'{path}': attribute '{name}' of {where} has an object/reference "
                                      f"or variable-length dtype; refused")
        elif dtype.kind not in "biufS" or dtype.fields is not None or dtype.subdtype is not None:
            raise UnsafeFileError(f"'{path}': attribute '{name}' of {where} has unsupported dtype {dtype}; refused")
        elif n * dtype.itemsize > file_size * EXPANSION + SLACK:
            raise UnsafeFileError(f"'{path}': attribute '{name}' of {where} declares {n * dtype.itemsize} "
                                  f"bytes in a {file_size}-byte file; refused")
    return len(names)


def _attr_names(obj: Any) -> List[bytes]:
    return [name.encode("utf-8") for name in obj.attrs.keys()]


def _check_dataset(ds: Any, where: str, path: str, file_size: int) -> int:
    dcpl = ds.id.get_create_plist()
    layout = dcpl.get_layout()
    if layout == getattr(h5py.h5d, "VIRTUAL", -99) or ds.is_virtual:
        raise UnsafeFileError(f"'{path}': dataset '{where}' is a virtual dataset (it maps data from other "
                              f"files); refused")
    if dcpl.get_external_count() > 0:
        raise UnsafeFileError(f"'{path}': dataset '{where}' keeps its data in external storage (another "
                              f"file); refused")
    if layout not in (h5py.h5d.COMPACT, h5py.h5d.CONTIGUOUS, h5py.h5d.CHUNKED):
        raise UnsafeFileError(f"'{path}': dataset '{where}' has an unknown storage layout; refused")
    for i in range(dcpl.get_nfilters()):
        code = dcpl.get_filter(i)[0]
        if code not in _SAFE_FILTERS:
            raise UnsafeFileError(f"'{path}': dataset '{where}' uses HDF5 filter #{code}, which is not a "
                                  f"built-in filter; refused")
    if ds.id.get_space().get_simple_extent_type() == h5py.h5s.NULL:
        raise UnsafeFileError(f"'{path}': dataset '{where}' has no dataspace (an HDF5 'null'/empty dataset); "
                              f"refused")
    dtype = ds.dtype
    if dtype.kind == "O" or h5py.check_vlen_dtype(dtype) is not None:
        raise UnsafeFileError(f"'{path}': dataset '{where}' has an object/reference or variable-length "
                              f"dtype; refused")
    if dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in "biuf":
        raise UnsafeFileError(f"'{path}': dataset '{where}' has dtype {dtype} (compound/opaque/string); "
                              f"only numeric datasets are loaded")
    shape = ds.id.shape
    nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize if shape else dtype.itemsize
    if nbytes > file_size * EXPANSION + SLACK:
        raise UnsafeFileError(f"'{path}': dataset '{where}' declares shape {tuple(shape)} ({nbytes} bytes) in "
                              f"a file of {file_size} bytes (a 'shape bomb'); refused")
    return nbytes


def _validate(f: Any, path: str, file_size: int) -> None:
    stack = [(f, "/", 0)]
    count = 0
    total = 0
    while stack:
        group, gpath, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UnsafeFileError(f"'{path}': groups nested more than {MAX_DEPTH} deep; refused")
        count += _check_attrs(group, f"group '{gpath}'", path, file_size)
        for name in list(group.keys()):
            count += 1
            if count > MAX_OBJECTS:
                raise UnsafeFileError(f"'{path}': more than {MAX_OBJECTS} objects; refused")
            where = gpath.rstrip("/") + "/" + name
            link = group.get(name, getlink=True)
            if isinstance(link, h5py.SoftLink):
                raise UnsafeFileError(f"'{path}': '{where}' is an HDF5 soft link (to '{link.path}'); refused")
            if isinstance(link, h5py.ExternalLink):
                raise UnsafeFileError(f"'{path}': '{where}' is an HDF5 external link (to '{link.filename}'); "
                                      f"refused")
            if not isinstance(link, h5py.HardLink):
                raise UnsafeFileError(f"'{path}': '{where}' is a user-defined HDF5 link; refused")
            obj = group[name]
            if h5py.h5o.get_info(obj.id).rc != 1:
                raise UnsafeFileError(f"'{path}': '{where}' is reachable through several hard links "
                                      f"(aliases/cycles are refused)")
            if isinstance(obj, h5py.Group):
                stack.append((obj, where, depth + 1))
            elif isinstance(obj, h5py.Dataset):
                count += _check_attrs(obj, f"dataset '{where}'", path, file_size)
                if count > MAX_OBJECTS:
                    raise UnsafeFileError(f"'{path}': more than {MAX_OBJECTS} objects and attributes; refused")
                total += _check_dataset(obj, where, path, file_size)
                if total > file_size * EXPANSION + SLACK:
                    raise UnsafeFileError(f"'{path}': datasets declare {total} bytes in total in a file of "
                                          f"{file_size} bytes (a 'shape bomb'); refused")
            else:
                raise UnsafeFileError(f"'{path}': '{where}' is a {type(obj).__name__}, not a group or "
                                      f"dataset; refused")


@contextlib.contextmanager
def open_h5(filepath: Any) -> Iterator["h5py.File"]:
    """Open an HDF5 file for reading after validating its whole structure (nothing read yet).

    Use the module's `read_*` helpers inside the block; any h5py failure in the block becomes
    a `CorruptFileError`.

    Raises:
        FileNotFoundError: no such file.
        CorruptFileError: not an HDF5 file, truncated or unreadable.
        UnsafeFileError: the file uses a refused HDF5 feature (see the module docstring).
    """
    _require_h5py()
    path = check_filepath(filepath)
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, "No such file", path)
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "Expected an HDF5 file, got a directory", path)
    if not os.path.isfile(path):  # a FIFO or device (/dev/zero) could block or never end
        raise CorruptFileError(f"'{path}' is not a regular file (a device, pipe or socket); refused")
    file_size = os.path.getsize(path)
    with _translated(path):
        is_h5 = h5py.is_hdf5(path)
    if not is_h5:
        raise CorruptFileError(f"'{path}' is not an HDF5 file (no HDF5 signature found)")
    with _translated(path):
        f = h5py.File(path, "r", locking=False)
    stack = getattr(_reading, "caches", None)
    if stack is None:
        stack = _reading.caches = []
    cache: Dict[str, np.ndarray] = {}
    stack.append(cache)
    try:
        with _translated(path):
            _validate(f, path, file_size)
            if "numnet_format" in f.attrs:
                _verify_digest(f, path, cache)
            yield f
    finally:
        stack.pop()
        with contextlib.suppress(Exception):
            f.close()


def _verify_digest(f: Any, path: str, cache: Dict[str, np.ndarray]) -> None:
    stored = read_str_attr(f, DIGEST_ATTR, path)
    if stored is None:
        raise FileLayoutError(f"'{path}': a numnet file must carry the root attribute '{DIGEST_ATTR}'; "
                              f"it is missing, so the file was damaged or not written by numnet")
    if _digest(f, cache) != stored:
        raise CorruptFileError(f"'{path}' is damaged: its content does not match the checksum stored when it "
                               f"was written ('{DIGEST_ATTR}')")


def subgroup(group: Any, name: str, path: str, required: bool = True) -> Optional[Any]:
    """The subgroup `name` of a validated group, or None if absent and not required.

    Raises:
        FileLayoutError: absent (when required) or not a group.
    """
    if name not in group:
        if required:
            raise FileLayoutError(f"'{path}': expected a group '{group.name.rstrip('/')}/{name}', found none")
        return None
    obj = group[name]
    if not isinstance(obj, h5py.Group):
        raise FileLayoutError(f"'{path}': expected '{obj.name}' to be a group, found a dataset")
    return obj


def read_dataset(group: Any, name: str, path: str) -> np.ndarray:
    """Read the (validated) numeric dataset `group[name]` into memory.

    Raises:
        FileLayoutError: missing, or a group rather than a dataset.
    """
    if name not in group:
        raise FileLayoutError(f"'{path}': expected a dataset '{group.name.rstrip('/')}/{name}', found none")
    ds = group[name]
    if not isinstance(ds, h5py.Dataset):
        raise FileLayoutError(f"'{path}': expected '{ds.name}' to be a dataset, found a group")
    caches = getattr(_reading, "caches", None)
    if caches and ds.name in caches[-1]:
        return caches[-1][ds.name]
    return np.asarray(ds[()])


def read_attr(obj: Any, name: str, path: str, default: Any = None) -> Any:
    """A (validated) attribute's value, or `default` if absent."""
    if name not in obj.attrs:
        return default
    return obj.attrs[name]


def _as_text(value: Any, what: str, path: str) -> str:
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, (bytes, np.bytes_)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise FileLayoutError(f"'{path}': {what} is not valid UTF-8") from None
    if isinstance(value, str):
        return value
    raise FileLayoutError(f"'{path}': expected {what} to be a string, found {type(value).__name__}")


def read_str_attr(obj: Any, name: str, path: str, default: Optional[str] = None) -> Optional[str]:
    """A string attribute (bytes are decoded as UTF-8), or `default` if absent.

    Raises:
        FileLayoutError: present but not a string.
    """
    value = read_attr(obj, name, path)
    if value is None:
        return default
    return _as_text(value, f"attribute '{name}' of '{obj.name}'", path)


def read_str_list_attr(obj: Any, name: str, path: str) -> Optional[List[str]]:
    """A 1-D string-array attribute as a list of str (None if absent)."""
    value = read_attr(obj, name, path)
    if value is None:
        return None
    arr = np.asarray(value)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise FileLayoutError(f"'{path}': attribute '{name}' of '{obj.name}' must be a 1-D list of strings")
    return [_as_text(v, f"an entry of attribute '{name}' of '{obj.name}'", path) for v in arr]


def read_json_dataset(group: Any, name: str, path: str) -> Any:
    """Parse the UTF-8 JSON stored by `write_json_dataset`.

    Raises:
        FileLayoutError: missing, not uint8 bytes, not UTF-8, or not valid JSON.
    """
    arr = read_dataset(group, name, path)
    if arr.dtype != np.uint8 or arr.ndim != 1:
        raise FileLayoutError(f"'{path}': dataset '{name}' must hold UTF-8 JSON as 1-D uint8, "
                              f"found dtype {arr.dtype} shape {arr.shape}")
    try:
        return json.loads(arr.tobytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise FileLayoutError(f"'{path}': dataset '{name}' is not valid UTF-8") from None
    except RecursionError:
        raise FileLayoutError(f"'{path}': JSON in dataset '{name}' is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and integers longer than Python converts
        raise FileLayoutError(f"'{path}': dataset '{name}' is not valid JSON ({exc})") from None
