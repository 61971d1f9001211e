"""`get_file`: download a file into numnet's cache folder once, check its hash, optionally extract it."""
from __future__ import annotations

import hashlib
import os
import sys
import tarfile
import tempfile
import urllib.parse
import zipfile
from pathlib import Path
from typing import Any, Optional, Union


def _cache_dir() -> Path:
    home = os.environ.get("NUMNET_HOME")
    return (Path(home).expanduser() if home else Path.home() / ".numnet").absolute()


def _hash_file(path: Union[str, os.PathLike], algorithm: str) -> str:
    digest = hashlib.sha256() if algorithm == "sha256" else hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _algorithm(file_hash: str, hash_algorithm: str) -> str:
    if hash_algorithm == "auto":
        return "sha256" if len(file_hash) == 64 else "md5"
    if hash_algorithm not in ("sha256", "md5"):
        raise ValueError(f"get_file: hash_algorithm must be 'auto', 'sha256' or 'md5', got {hash_algorithm!r}")
    return hash_algorithm


def _inside(root: Path, name: str) -> bool:
    target = (root / name).resolve()
    return target == root.resolve() or root.resolve() in target.parents


def _extract(path: Path, folder: Path, archive_format: Any) -> bool:
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format or []))
    for fmt in formats:
        if fmt == "tar" and tarfile.is_tarfile(path):
            with tarfile.open(path) as archive:
                members = archive.getmembers()
                bad = [m.name for m in members if not _inside(folder, m.name) or m.issym() or m.islnk() or m.isdev()]
                if bad:
                    raise ValueError(f"get_file: refusing to extract {path}: unsafe members {bad[:3]}")
                archive.extractall(folder, members=members)
            return True
        if fmt == "zip" and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                bad = [n for n in archive.namelist() if not _inside(folder, n)]
                if bad:
                    raise ValueError(f"get_file: refusing to extract {path}: unsafe members {bad[:3]}")
                archive.extractall(folder)
            return True
    return False


def get_file(fname: Optional[str] = None, origin: Optional[str] = None, untar: bool = False,
             md5_hash: Optional[str] = None, file_hash: Optional[str] = None, cache_subdir: str = "datasets",
             hash_algorithm: str = "auto", extract: bool = False, archive_format: Any = "auto",
             cache_dir: Optional[Union[str, os.PathLike]] = None, force_download: bool = False) -> str:
    """Download a file from a URL unless it is already in the cache (keras.utils.get_file).

    The file is saved as ``cache_dir/cache_subdir/fname``; with the defaults that is numnet's
    dataset folder (``~/.numnet/datasets``, or ``$NUMNET_DATASETS_DIR``, or
    ``$NUMNET_HOME/datasets``). The download goes to a temporary file that is checked
    against `file_hash` and only then moved into place.

    Args:
        fname: the local file name (an absolute path is used as it is); None takes the last
            part of `origin`'s path.
        origin: the URL to download from.
        untar: deprecated: the same as ``extract=True``.
        md5_hash: deprecated: the same as ``file_hash=md5_hash, hash_algorithm="md5"``.
        file_hash: the expected hex digest (SHA-256 or MD5) of the file; a cached file whose
            hash differs is downloaded again.
        cache_subdir: the sub-folder of `cache_dir` (an absolute path is used as it is).
        hash_algorithm: ``"auto"`` (SHA-256 for a 64-character hash, else MD5), ``"sha256"`` or ``"md5"``.
        extract: also extract the file as a tar or zip archive into its folder.
        archive_format: ``"auto"`` (tar, then zip), ``"tar"``, ``"zip"``, a list of these, or None.
        cache_dir: the cache folder; defaults to ``$NUMNET_HOME`` or ``~/.numnet``.
        force_download: download even when the file is already cached.

    Returns:
        The path of the downloaded file.

    Raises:
        ValueError: no `origin`, no file name can be found, the downloaded file's hash is not
            `file_hash`, or an archive member would be written outside the cache folder.
        numnet.datasets.DownloadError: the download failed (the message gives the reason).
    """
    from numnet.datasets import _download

    if not origin:
        raise ValueError("get_file: origin must be the URL of the file, got origin=None")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    algorithm = _algorithm(file_hash, hash_algorithm) if file_hash else None
    if fname is None:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"get_file: cannot take a file name from origin={origin!r}; pass fname")
    if cache_dir is None and cache_subdir == "datasets":
        folder = _download.datasets_dir()
    else:
        base = _cache_dir() if cache_dir is None else Path(cache_dir).expanduser()
        folder = base / cache_subdir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / fname
    needed = force_download or not path.exists()
    if not needed and file_hash and _hash_file(path, algorithm) != file_hash:
        print(f"A local file was found at {path}, but its {algorithm} hash does not match the expected "
              f"{file_hash}; downloading it again.", file=sys.stderr)
        needed = True
    if needed:
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"Downloading data from {origin}", file=sys.stderr)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".part", dir=path.parent)
        try:
            try:
                with os.fdopen(fd, "wb") as out:
                    _download._download_url(origin, out)
            except (OSError, ValueError) as e:
                raise _download.DownloadError(f"get_file: could not download {origin}: {type(e).__name__}: {e}") from e
            if file_hash:
                actual = _hash_file(tmp, algorithm)
                if actual != file_hash:
                    raise ValueError(f"get_file: the file downloaded from {origin} is incomplete or corrupted: its "
                                     f"{algorithm} hash is {actual}, expected {file_hash}")
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    if extract or untar:
        _extract(path, path.parent, "tar" if untar and not extract else archive_format)
    return str(path)
