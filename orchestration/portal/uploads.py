"""Checks an uploaded file (size, type by content, name) and writes it atomically into
``<landing>/<kode>/`` — never anywhere else, whatever the file name says."""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
EXTENSIONS = (".xlsx", ".xls", ".ods", ".csv")
# Signatures of binary formats a text file never starts with.
BINARY_MAGIC = (ZIP, OLE2, b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x7fELF", b"MZ", b"\x1f\x8b", b"Rar!")
SAMPLE = 64 * 1024


class UploadRejected(ValueError):
    """The file is refused before it reaches the landing folder; the message is for the district (Indonesian)."""


@lru_cache(maxsize=1)
def districts() -> dict[str, str]:
    """Kemendagri code -> name of the 22 kabupaten/kota (the reference seed)."""
    from sources.reference import kabupaten

    return {k.kode: k.nama for k in kabupaten()}


def safe_name(original: str) -> str:
    """A plain file name: last path component (either slash), NFKC, only letters, digits and
    ``._-() ``, no leading dot, at most 120 characters, extension kept in lower case."""
    base = re.split(r"[\\/]", original or "")[-1]
    base = unicodedata.normalize("NFKC", base).replace("\x00", "")
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    clean = re.sub(r"[^A-Za-z0-9._() -]+", "_", stem)
    clean = re.sub(r"_+", "_", clean).strip(" ._-") or "berkas"
    ext = re.sub(r"[^a-z0-9]", "", ext.lower())
    return f"{clean[:110]}.{ext}" if ext else clean[:120]


def _looks_like_text(sample: bytes) -> bool:
    if not sample.strip() or sample.startswith(BINARY_MAGIC):
        return False
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            sample.decode("utf-16")
            return True
        except UnicodeDecodeError:
            return False
    if b"\x00" in sample:
        return False
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
            return True
        except UnicodeDecodeError:
            continue
    return False


def detect_kind(path: Path) -> str:
    """The file's real type from its bytes: xlsx, ods, xls or csv; UploadRejected otherwise."""
    with open(path, "rb") as fh:
        head = fh.read(SAMPLE)
    if head.startswith(ZIP):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
                if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                    return "xlsx"
                if "mimetype" in names and "content.xml" in names and zf.read("mimetype").strip() == ODS_MIME:
                    return "ods"
        except (zipfile.BadZipFile, OSError, KeyError):
            pass
        raise UploadRejected("Isi berkas adalah arsip ZIP, bukan lembar kerja xlsx/ods yang sah.")
    if head.startswith(OLE2):
        return "xls"
    if _looks_like_text(head):
        return "csv"
    raise UploadRejected("Isi berkas tidak dikenali sebagai xlsx, xls, ods atau csv.")


@dataclass(frozen=True)
class Stored:
    name: str
    sha256: str
    size: int
    kind: str


def _tmp_dir(portal_dir: Path, dest_dir: Path) -> Path:
    """A temporary folder on the landing folder's file system (so the final rename is atomic) that a
    pipeline scan never reads: the portal's own folder if it shares the device, else the district folder."""
    tmp = portal_dir / "unggahan_sementara"
    tmp.mkdir(parents=True, exist_ok=True)
    return tmp if os.stat(tmp).st_dev == os.stat(dest_dir).st_dev else dest_dir


def store_upload(
    chunks, original_name: str, kode: str, *, landing_dir: Path, portal_dir: Path, max_bytes: int
) -> Stored:
    """Write the upload (an iterable of byte chunks) to ``<landing>/<kode>/<safe name>``, replacing a
    file of the same name (a corrected version) atomically. Checks size and type by content first."""
    if kode not in districts():
        raise UploadRejected("Kode kabupaten/kota tidak dikenal.")
    name = safe_name(original_name)
    if not name.lower().endswith(EXTENSIONS):
        raise UploadRejected("Jenis berkas tidak didukung; kirim .xlsx, .xls, .ods atau .csv.")
    root = Path(landing_dir).resolve()
    dest_dir = root / kode
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest_dir = dest_dir.resolve()
    dest = (dest_dir / name).resolve()
    if dest.parent != dest_dir or dest_dir.parent != root:  # belt and braces: the name is one component
        raise UploadRejected("Nama berkas tidak sah.")
    fd, tmp = tempfile.mkstemp(prefix=".unggah-", suffix=".part", dir=_tmp_dir(Path(portal_dir), dest_dir))
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRejected(f"Berkas melebihi batas {max_bytes // (1024 * 1024)} MB.")
                digest.update(chunk)
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        if size == 0:
            raise UploadRejected("Berkas kosong.")
        kind = detect_kind(Path(tmp))
        expected = {"xlsx": ".xlsx", "ods": ".ods", "xls": ".xls", "csv": ".csv"}[kind]
        if not name.lower().endswith(expected):
            raise UploadRejected(f"Isi berkas ({kind}) tidak sesuai dengan ekstensi nama berkas.")
        os.chmod(tmp, 0o640)
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return Stored(name=name, sha256=digest.hexdigest(), size=size, kind=kind)
