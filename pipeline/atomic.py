"""The one way Newsroom writes a file that someone may read at the same moment: whole, or not at all.

The bytes go to a temp name (".<name>.tmp-…") in the same folder, or in `temp_dir` on the same file
system, and are renamed over the target: a reader sees the old file or the new one, never half of one,
and a crash leaves at most a temp file that is never read. A whole folder is made the same way by
`outputs` (a staging folder renamed into out/).
"""

from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path: Path | str, data: bytes, *, temp_dir: Path | str | None = None, link_from: str | None = None,
                 fsync: bool = False) -> None:
    """Put `data` at `path` (its folder is made if missing); OSError if the disk refuses, and no temp file stays.

    `link_from`: a file holding these very bytes; the new file is a hard link to it when the file system
    allows (out/site shares its images with the report folders). `fsync`: flush to the disk before the
    rename (the outbox's send records, which must survive a power cut).
    """
    path = str(path)
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    temp = os.path.join(temp_dir or folder, f".{os.path.basename(path)}.tmp-{os.getpid()}-{os.urandom(4).hex()}")
    try:
        create(temp, data, link_from=link_from, fsync=fsync)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def create(path: Path | str, data: bytes, *, link_from: str | None = None, fsync: bool = False) -> None:
    """Make a new file at `path` (never overwrites): a hard link to `link_from` when possible, else written.

    Without the rename, for paths nobody reads yet: a staging folder, or `write_atomic`'s temp name.
    """
    if link_from is not None:
        try:
            os.link(link_from, path)
            return
        except OSError:  # no hard links on this file system, or across devices: write a copy
            pass
    with open(path, "xb") as out:
        out.write(data)
        if fsync:
            out.flush()
            os.fsync(out.fileno())
