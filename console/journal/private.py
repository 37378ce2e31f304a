"""Private files and folders: conversations, recordings and logs are 0600 in 0700 folders."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """``path`` created (with its missing parents) and made 0700, whatever the umask."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    # The umask applies to mkdir; chmod does not. Folders that existed are left as they were,
    # except the one asked for, which holds the private files.
    for folder in {path, *missing}:
        os.chmod(folder, DIR_MODE)
    return path


def open_private(path: Path, mode: str, **kwargs: Any) -> IO[Any]:
    """``open(path, mode)`` for a file that is created 0600 and made 0600 if it existed."""
    flags = os.O_CREAT | (os.O_RDWR if "+" in mode or "r" in mode else os.O_WRONLY)
    if "a" in mode:
        flags |= os.O_APPEND
    elif "w" in mode:
        flags |= os.O_TRUNC
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        return open(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise


def touch_private(path: Path) -> Path:
    """``path`` created empty if absent, and made 0600 (for files others open by name)."""
    open_private(path, "ab").close()
    return path
