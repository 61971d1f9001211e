"""The `.keras` container of Keras 3: a zip archive, read defensively and written atomically.

A `.keras` file is a zip archive holding three members (Keras writes them uncompressed)::

    metadata.json       {"keras_version": "3.x.y", "date_saved": "YYYY-MM-DD@HH:MM:SS"}
    config.json         the serialized model: {"module", "class_name", "config",
                        "registered_name", "build_config", "compile_config"}
    model.weights.h5    every variable in Keras 3's weights layout (numnet.saving.keras_weights)

Keras may add an ``assets/`` folder for layers with vocabularies; numnet's layers have none,
so other members are listed and checked but never read.

Reading refuses, with a `ValueError` naming the file and the problem, before anything is
decompressed: more than `MAX_MEMBERS` members, member names that could escape a folder
(absolute, ``..``, backslashes, drive letters, NUL), duplicate names, encrypted members,
compression other than stored or deflate (zipfile cannot bound how far one read of a
bzip2/lzma member expands), "zip bombs" (a member declaring more than `MAX_EXPANSION` times
its stored size beyond `BOMB_FLOOR` bytes, or JSON members over `MAX_JSON_BYTES`), missing
members and malformed JSON. Decompression stops at the declared size. A truncated or damaged
archive is a `CorruptFileError` (an `OSError`).
"""
from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, Optional

from numnet.saving import h5_io

__all__ = [
    "CONFIG_MEMBER", "METADATA_MEMBER", "WEIGHTS_MEMBER", "KerasArchive", "is_zip_file",
    "open_archive", "write_archive",
]

CONFIG_MEMBER = "config.json"
METADATA_MEMBER = "metadata.json"
WEIGHTS_MEMBER = "model.weights.h5"
MAX_MEMBERS = 10_000
MAX_JSON_BYTES = 32 << 20
BOMB_FLOOR = 256 << 20
MAX_EXPANSION = 100
_CHUNK = 1 << 20
# Keras writes members stored. zipfile bounds what one read of a deflate member expands to, but
# hands a bzip2/lzma block to the decompressor whole (a few hundred bytes of bzip2 become
# gigabytes before any size check can run), so those methods are refused.
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
_METHOD_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma", 9: "deflate64"}
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
# Members are dated like those Keras writes with `ZipFile.open(name, "w")`, so a saved file
# depends only on the model (and the date inside metadata.json).
_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass
class KerasArchive:
    """What `open_archive` read: the parsed JSON members and the extracted weights file.

    Attributes:
        path: the archive's path (for messages).
        config: the parsed ``config.json`` (a dict).
        metadata: the parsed ``metadata.json`` (a dict; empty if the member is absent).
        weights_path: a temporary copy of ``model.weights.h5``, deleted when the block ends.
    """

    path: str
    config: Dict[str, Any]
    metadata: Dict[str, Any]
    weights_path: str


def is_zip_file(filepath: Any) -> bool:
    """Whether the file starts with a zip signature (the content, whatever the name says).

    Args:
        filepath: a path to an existing regular file.

    Returns:
        True for a zip archive (a `.keras` file); False otherwise (e.g. HDF5).
    """
    path = h5_io.check_filepath(filepath)
    if not os.path.isfile(path):
        return False
    with open(path, "rb") as f:
        return f.read(4) in _ZIP_SIGNATURES


def _unsafe(path: str, message: str) -> h5_io.UnsafeFileError:
    return h5_io.UnsafeFileError(f"'{path}': {message}; refused")


def _check_name(name: str, path: str) -> None:
    parts = name.rstrip("/").split("/")
    if (not name or "\x00" in name or "\\" in name or name.startswith("/")
            or (len(name) > 1 and name[1] == ":") or any(p in ("", ".", "..") for p in parts)):
        raise _unsafe(path, f"the archive member name {name!r:.200} is not a plain relative path (absolute "
                            f"paths, '..', '.', empty parts, backslashes and drive letters could write outside "
                            f"a folder when extracted)")


def _check_members(zf: zipfile.ZipFile, path: str) -> Dict[str, zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _unsafe(path, f"the archive has {len(infos)} members (at most {MAX_MEMBERS} are accepted)")
    members: Dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename
        _check_name(name, path)
        if name in members:
            raise _unsafe(path, f"the archive holds two members named {name!r:.200} (which one is meant is "
                                f"ambiguous)")
        if info.flag_bits & 0x1:
            raise _unsafe(path, f"archive member {name!r:.200} is encrypted")
        if info.compress_type not in _METHODS:
            method = _METHOD_NAMES.get(info.compress_type, "unknown")
            raise _unsafe(path, f"archive member {name!r:.200} uses compression method {info.compress_type} "
                                f"({method}); only {' and '.join(sorted(_METHODS.values()))} members are read "
                                f"(Keras writes them stored)")
        if info.file_size > BOMB_FLOOR and info.file_size > MAX_EXPANSION * max(info.compress_size, 1):
            raise _unsafe(path, f"archive member {name!r:.200} declares {info.file_size} bytes but stores only "
                                f"{info.compress_size} (more than {MAX_EXPANSION}x expansion: a 'zip bomb')")
        members[name] = info
    return members


@contextlib.contextmanager
def _translated(path: str) -> Iterator[None]:
    """Turn what zipfile/zlib raise on damaged data into a CorruptFileError naming the file."""
    try:
        yield
    except (h5_io.CorruptFileError, h5_io.UnsafeFileError, h5_io.FileLayoutError):
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError,
            ValueError, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EACCES):
            raise
        raise h5_io.CorruptFileError(f"Could not read '{path}': the .keras archive is damaged or truncated "
                                     f"({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # zlib.error, lzma.LZMAError, ...
        raise h5_io.CorruptFileError(f"Could not read '{path}': the .keras archive is damaged or truncated "
                                     f"({type(exc).__name__}: {exc})") from exc


def _copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, out: Any, limit: int, path: str) -> int:
    """Decompress `info` into the binary file `out`, stopping past `limit` or the declared size."""
    if info.file_size > limit:
        raise _unsafe(path, f"archive member {info.filename!r} declares {info.file_size} bytes (at most "
                            f"{limit} are accepted for it)")
    total = 0
    with _translated(path), zf.open(info, "r") as src:
        while True:
            chunk = src.read(_CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > info.file_size:
                raise _unsafe(path, f"archive member {info.filename!r} decompresses to more than the "
                                    f"{info.file_size} bytes it declares")
            out.write(chunk)
    return total


def _read_json(zf: zipfile.ZipFile, members: Dict[str, zipfile.ZipInfo], name: str, path: str,
               required: bool) -> Optional[Dict[str, Any]]:
    info = members.get(name)
    if info is None:
        if required:
            raise h5_io.FileLayoutError(f"'{path}': the .keras archive has no '{name}' member (found "
                                        f"{sorted(members)[:10]}); it is not a complete Keras model file")
        return None
    buffer = io.BytesIO()
    _copy_member(zf, info, buffer, MAX_JSON_BYTES, path)
    try:
        value = json.loads(buffer.getvalue().decode("utf-8"))
    except UnicodeDecodeError:
        raise h5_io.FileLayoutError(f"'{path}': archive member '{name}' is not UTF-8 text") from None
    except RecursionError:
        raise h5_io.FileLayoutError(f"'{path}': the JSON in archive member '{name}' is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and integers longer than Python converts
        raise h5_io.FileLayoutError(f"'{path}': archive member '{name}' is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise h5_io.FileLayoutError(f"'{path}': archive member '{name}' must hold a JSON object, found "
                                    f"{type(value).__name__}")
    return value


@contextlib.contextmanager
def open_archive(filepath: Any) -> Iterator[KerasArchive]:
    """Open a `.keras` archive: check every member, parse the JSON, extract the weights file.

    The weights file is copied to a private temporary folder (validated later by
    `numnet.saving.h5_io.open_h5`), which is deleted when the block ends.

    Args:
        filepath: the `.keras` file.

    Yields:
        A `KerasArchive`.

    Raises:
        FileNotFoundError: no such file.
        CorruptFileError: not a zip archive, truncated or damaged (an `OSError`).
        UnsafeFileError: a refused member (bomb, escaping or duplicate name, encryption...).
        FileLayoutError: a missing member or malformed JSON.
    """
    path = h5_io.check_filepath(filepath)
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, "No such file", path)
    if not os.path.isfile(path):
        raise h5_io.CorruptFileError(f"'{path}' is not a regular file (a directory, device, pipe or socket); "
                                     f"refused")
    with _translated(path):
        zf = zipfile.ZipFile(path, "r")
    with zf:
        members = _check_members(zf, path)
        config = _read_json(zf, members, CONFIG_MEMBER, path, required=True)
        metadata = _read_json(zf, members, METADATA_MEMBER, path, required=False) or {}
        if WEIGHTS_MEMBER not in members:
            other = [n for n in members if n.startswith("model.weights")]
            hint = (f" (it has {other[0]!r}: numnet reads only the HDF5 weights format)" if other else "")
            raise h5_io.FileLayoutError(f"'{path}': the .keras archive has no '{WEIGHTS_MEMBER}' member{hint}")
        folder = tempfile.mkdtemp(prefix="numnet-keras-")
        try:
            weights_path = os.path.join(folder, WEIGHTS_MEMBER)
            limit = max(BOMB_FLOOR, MAX_EXPANSION * members[WEIGHTS_MEMBER].compress_size)
            with open(weights_path, "wb") as out:
                _copy_member(zf, members[WEIGHTS_MEMBER], out, limit, path)
            zf.close()
            yield KerasArchive(path, config, metadata, weights_path)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def write_archive(filepath: Any, config: Dict[str, Any], metadata: Dict[str, Any],
                  write_weights: Callable[[Any], None], overwrite: bool = True) -> None:
    """Write a `.keras` archive atomically (temp file next to it, then `os.replace`).

    Members are stored uncompressed in Keras's order: ``metadata.json``, ``config.json``,
    ``model.weights.h5``.

    Args:
        filepath: the destination.
        config: the model config (JSON-serialisable dict).
        metadata: the metadata (JSON-serialisable dict).
        write_weights: called with an open, empty `h5py.File` to fill with the weights.
        overwrite: if False and the file exists, raise `FileExistsError`.

    Raises:
        FileExistsError: the file exists and `overwrite` is False.
        FileNotFoundError: the destination folder does not exist.
    """
    import h5py

    path = h5_io.check_filepath(filepath)
    config_bytes = json.dumps(config, allow_nan=True).encode("utf-8")
    metadata_bytes = json.dumps(metadata).encode("utf-8")
    folder = os.path.dirname(os.path.abspath(path))

    def member(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=_EPOCH)
        info.compress_type = zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        return info

    def fill(tmp: str) -> None:
        fd, weights_tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".weights.tmp",
                                           dir=folder)
        os.close(fd)
        try:
            with h5py.File(weights_tmp, "w") as f:
                write_weights(f)
            size = os.path.getsize(weights_tmp)
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
                zf.writestr(member(METADATA_MEMBER), metadata_bytes)
                zf.writestr(member(CONFIG_MEMBER), config_bytes)
                with open(weights_tmp, "rb") as src, \
                        zf.open(member(WEIGHTS_MEMBER), "w", force_zip64=size >= (1 << 31)) as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)
        finally:
            with contextlib.suppress(OSError):
                os.remove(weights_tmp)

    h5_io.atomic_write_path(path, fill, overwrite=overwrite)
