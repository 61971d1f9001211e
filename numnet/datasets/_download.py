"""The dataset cache: where downloaded files live, how they are fetched and verified.

Files are kept in the cache folder (see `datasets_dir`), downloaded on first use to a
temporary file beside their final name, checked against a pinned SHA-256, and only then
moved into place with `os.replace`, so an interrupted or corrupted download never leaves
a file that looks complete.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import BinaryIO, Optional, Sequence, Union

__all__ = ["DownloadError", "datasets_dir", "file_sha256", "get_file"]

_CHUNK = 1 << 20
_TIMEOUT = 60


class DownloadError(OSError):
    """A dataset file is not in the cache and could not be downloaded."""


def datasets_dir() -> Path:
    """The folder downloaded datasets are cached in.

    ``$NUMNET_DATASETS_DIR`` when set; else ``$NUMNET_HOME/datasets`` when ``NUMNET_HOME``
    is set; else ``~/.numnet/datasets``. The folder is created when a file is first saved.

    Returns:
        The cache folder as an absolute `pathlib.Path`.
    """
    explicit = os.environ.get("NUMNET_DATASETS_DIR")
    if explicit:
        return Path(explicit).expanduser().absolute()
    home = os.environ.get("NUMNET_HOME")
    base = Path(home).expanduser() if home else Path.home() / ".numnet"
    return (base / "datasets").absolute()


def file_sha256(path: Union[str, os.PathLike]) -> str:
    """The hex SHA-256 digest of a file's content."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _download_url(url: str, out: BinaryIO) -> None:
    """Stream the body of `url` into the open binary file `out` (with a progress bar)."""
    from tqdm.auto import tqdm

    with urllib.request.urlopen(url, timeout=_TIMEOUT) as response:
        total = response.headers.get("Content-Length")
        with tqdm(
            total=int(total) if total else None,
            unit="B",
            unit_scale=True,
            desc=url.rsplit("/", 1)[-1],
            file=sys.stderr,
            leave=False,
        ) as bar:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                out.write(chunk)
                bar.update(len(chunk))


def _try_download(url: str, target: Path, sha256: str) -> Optional[str]:
    """Download `url` to `target` atomically; return None on success, else the reason."""
    fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            _download_url(url, out)
        actual = file_sha256(tmp_name)
        if actual != sha256:
            return f"SHA-256 mismatch: expected {sha256}, downloaded file has {actual}"
        os.replace(tmp_name, target)
        return None
    except (OSError, ValueError, http.client.HTTPException) as e:  # URLError, timeouts: OSErrors
        return f"{type(e).__name__}: {e}"
    finally:
        if os.path.exists(tmp_name):
            os.remove(tmp_name)


def get_file(
    fname: Union[str, os.PathLike],
    origins: Sequence[str],
    sha256: str,
    cache_subdir: Optional[str] = None,
) -> Path:
    """Return the path of a verified dataset file, downloading it on first use.

    Args:
        fname: the file's name inside the cache folder (`datasets_dir()`, then `cache_subdir`),
            or an absolute path, used as it is.
        origins: URLs to try in order; the first whose download has the right checksum wins.
        sha256: the expected hex SHA-256 digest of the file.
        cache_subdir: an optional sub-folder of the cache folder.

    Returns:
        The path of the file, whose SHA-256 has been checked.

    Raises:
        ValueError: the file is already present but its SHA-256 differs from `sha256`.
        DownloadError: the file is absent and no origin gave a file with the right checksum
            (for example when offline); the message says where to put the file by hand.
    """
    folder = datasets_dir() if cache_subdir is None else datasets_dir() / cache_subdir
    target = folder / Path(fname)
    if target.exists():
        actual = file_sha256(target)
        if actual != sha256:
            raise ValueError(
                f"{target}: SHA-256 mismatch: expected {sha256}, the file has {actual}. "
                "It is corrupt or not the expected version; delete it and numnet will download it again."
            )
        return target
    manual = (
        f"To install it by hand, download {origins[0]} on a machine with internet access and save it as "
        f"{target} (expected SHA-256 {sha256}); set NUMNET_DATASETS_DIR (or NUMNET_HOME) to use "
        "another cache folder."
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DownloadError(f"Cannot create the dataset cache folder {target.parent}: {e}. {manual}") from e
    failures = []
    for url in origins:
        print(f"Downloading data from {url}", file=sys.stderr)
        reason = _try_download(url, target, sha256)
        if reason is None:
            return target
        failures.append(f"  {url}: {reason}")
    raise DownloadError(
        f"Could not download {target.name}:\n" + "\n".join(failures) + f"\n{manual}"
    )
