# SPDX-License-Identifier: Apache-2.0
"""Writing an output file whole and safely: briefs, exports, MISP feeds and .eml files.

The bytes go to a fresh temporary file beside the target (a random name opened with O_EXCL,
so a link planted under a predictable name is never followed), are flushed to disk, then
renamed over the target: a reader, or a crash, never sees half a file, and a full disk leaves
the earlier file as it was. A target that exists and is not a regular file (a device, a
folder, a link) is refused rather than replaced.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import UsageError

__all__ = ["refuse_unless_regular", "write_whole"]


def refuse_unless_regular(path: Path) -> None:
    """Raises UsageError when `path` exists and is not a regular file (a link counts as not)."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise UsageError(f"{path} exists and is not a regular file; choose another output")


def write_whole(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole.

    Raises:
        UsageError: the target is not a regular file, or the system refused the write.
    """
    refuse_unless_regular(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; an output is as readable as any file
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
