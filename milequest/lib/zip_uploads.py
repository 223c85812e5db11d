"""Open an uploaded zip of GPS files safely: bounded in members and size, names kept flat.

A member's size is checked while reading, not trusted from the zip's directory, so a zip bomb
that lies about its sizes is stopped too. Gzipped files (a Strava export's) are stored as they
come and unpacked, bounded the same way, by the worker that reads them.
"""

import io
import posixpath
import zipfile
import zlib
from dataclasses import dataclass

from milequest.lib.gps_files import EXTENSIONS, FileRefused
from milequest.refusals import Refused

MAX_MEMBERS = 100
MAX_MEMBER_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 50 * 1024 * 1024
CHUNK = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"


class ZipRefused(Refused, ValueError):
    """The whole zip is refused; the message is for the walker."""


class MemberRefused(ZipRefused):
    """One member cannot be read (damaged, or unpacks to too much): the rest may be fine."""


@dataclass(frozen=True)
class Member:
    name: str
    data: bytes | None = None
    problem: str | None = None  # set when this member is skipped


def members(data: bytes) -> list[Member]:
    """The zip's GPS files (each with its bytes) and its other files (each with a problem)."""
    with opened(io.BytesIO(data)) as archive:
        entries = [i for i in archive.infolist() if not i.is_dir()]
        if len(entries) > MAX_MEMBERS:
            raise ZipRefused(f"A zip may hold at most {MAX_MEMBERS} files.")
        found, total = [], 0
        for info in entries:
            check_name(info.filename)
            name = posixpath.basename(info.filename)
            if not name.lower().endswith(EXTENSIONS):
                found.append(Member(name, problem="Not a .gpx, .tcx or .fit file: skipped."))
                continue
            try:
                content = read_bounded(archive, info, MAX_TOTAL_BYTES - total)
            except MemberRefused as refused:
                raise ZipRefused(str(refused)) from refused
            total += len(content)
            found.append(Member(name, content))
    return found


def safe_name(filename: str) -> str:
    """The file's own name, without folders or control characters, cut to fit its column."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()) or "file"
    if len(name) > 255:  # keep the end: the extension says how the file is read
        name = name[:251] + name[-4:]
    return name


def opened(stream) -> zipfile.ZipFile:
    """The zip in a seekable stream (a file on disk: only its directory is read now)."""
    try:
        return zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ZipRefused("This zip file is damaged.") from error


def check_name(name: str) -> None:
    normal = posixpath.normpath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or normal.startswith("..") or ":" in name:
        raise ZipRefused(f"The zip holds a file with an unsafe name ({name[:80]}): refused.")


def read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, room: int) -> bytes:
    """The member's bytes, refused (MemberRefused) past MAX_MEMBER_BYTES or `room`."""
    limit = min(MAX_MEMBER_BYTES, room)
    chunks, size = [], 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise MemberRefused(f"{info.filename[:80]} unpacks to too much data.")
                chunks.append(chunk)
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        RuntimeError,
        OSError,
    ) as error:
        raise MemberRefused(f"The zip member {info.filename[:80]} cannot be read.") from error
    return b"".join(chunks)


def gunzipped(data: bytes) -> bytes:
    """`data` unpacked when it is gzipped (else as it is), at most MAX_MEMBER_BYTES of it."""
    if not data.startswith(GZIP_MAGIC):
        return data
    unpacker = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = unpacker.decompress(data, MAX_MEMBER_BYTES + 1)
    except zlib.error as error:
        raise FileRefused("This gzipped file is damaged.") from error
    if len(out) > MAX_MEMBER_BYTES or unpacker.unconsumed_tail:
        raise FileRefused(f"This file unpacks to more than {MAX_MEMBER_BYTES // 2**20} MB.")
    if not unpacker.eof:
        raise FileRefused("This gzipped file is cut short.")
    return out
