"""Open an uploaded zip of GPS files safely: bounded in members and size, names kept flat.

A member's size is checked while reading, not trusted from the zip's directory, so a zip bomb
that lies about its sizes is stopped too.
"""

import io
import posixpath
import zipfile
import zlib
from dataclasses import dataclass

from milequest.refusals import Refused
from milequest.services.gps_files import EXTENSIONS

MAX_MEMBERS = 100
MAX_MEMBER_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 50 * 1024 * 1024
CHUNK = 64 * 1024


class ZipRefused(Refused, ValueError):
    """The whole zip is refused; the message is for the walker."""


@dataclass(frozen=True)
class Member:
    name: str
    data: bytes | None = None
    problem: str | None = None  # set when this member is skipped


def members(data: bytes) -> list[Member]:
    """The zip's GPS files (each with its bytes) and its other files (each with a problem)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as error:
        raise ZipRefused("This zip file is damaged.") from error
    with archive:
        entries = [i for i in archive.infolist() if not i.is_dir()]
        if len(entries) > MAX_MEMBERS:
            raise ZipRefused(f"A zip may hold at most {MAX_MEMBERS} files.")
        found, total = [], 0
        for info in entries:
            _check_name(info.filename)
            name = posixpath.basename(info.filename)
            if not name.lower().endswith(EXTENSIONS):
                found.append(Member(name, problem="Not a .gpx, .tcx or .fit file: skipped."))
                continue
            content = _read_bounded(archive, info, MAX_TOTAL_BYTES - total)
            total += len(content)
            found.append(Member(name, content))
    return found


def _check_name(name: str) -> None:
    normal = posixpath.normpath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or normal.startswith("..") or ":" in name:
        raise ZipRefused(f"The zip holds a file with an unsafe name ({name[:80]}): refused.")


def _read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, room: int) -> bytes:
    limit = min(MAX_MEMBER_BYTES, room)
    chunks, size = [], 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ZipRefused("The zip unpacks to too much data: refused.")
                chunks.append(chunk)
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        RuntimeError,
        OSError,
    ) as error:
        raise ZipRefused(f"The zip member {info.filename[:80]} cannot be read.") from error
    return b"".join(chunks)
