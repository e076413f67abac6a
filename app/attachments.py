"""Uploads: checked by extension and by content, stored outside the web root under random names."""
import io
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass

from flask import current_app, send_file
from flask_babel import gettext as _

from app.timesource import utcnow
from app.errors import ValidationFailed
from app.models import Attachment

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# extension -> (content type served back, magic prefix, folder a zip container must hold)
ALLOWED = {
    "pdf": ("application/pdf", b"%PDF-", None),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n", None),
    "jpg": ("image/jpeg", b"\xff\xd8\xff", None),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff", None),
    "doc": ("application/msword", OLE, None),
    "xls": ("application/vnd.ms-excel", OLE, None),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04",
             "word/"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04", "xl/"),
}


@dataclass
class CheckedUpload:
    """An upload that passed every check, held in memory until it is stored."""

    name: str
    content_type: str
    data: bytes


def clean_filename(raw: str) -> str:
    """A display name without paths, control characters or excess length."""
    name = os.path.basename((raw or "").replace("\\", "/"))
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip()
    return name[-120:] or "file"


def check_uploads(files) -> list[CheckedUpload]:
    """Validate every non-empty upload; raise ValidationFailed on the first bad one, storing nothing."""
    files = [f for f in files if f is not None and (f.filename or _has_content(f))]
    limit = current_app.config["MAX_FILES_PER_SUBMISSION"]
    if len(files) > limit:
        raise ValidationFailed(_("一次最多上传 %(n)d 个附件。", n=limit))
    checked = []
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    for f in files:
        name = clean_filename(f.filename)
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext not in ALLOWED:
            raise ValidationFailed(_("附件“%(name)s”的类型不支持。可上传 PDF、图片（JPG/PNG）、Word 或 Excel 文件。",
                                     name=name))
        data = f.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise ValidationFailed(_("附件“%(name)s”超过 %(mb)d MB。", name=name, mb=max_bytes // (1024 * 1024)))
        if not data:
            raise ValidationFailed(_("附件“%(name)s”是空文件。", name=name))
        content_type, magic, folder = ALLOWED[ext]
        if not data.startswith(magic) or (folder and not _zip_has(data, folder)):
            raise ValidationFailed(_("附件“%(name)s”的内容与扩展名不符。", name=name))
        checked.append(CheckedUpload(name, content_type, data))
    return checked


def _has_content(upload) -> bool:
    # A browser sends an empty part for an untouched file input; anything with bytes is kept and checked.
    first = upload.stream.read(1)
    upload.stream.seek(0)
    return bool(first)


def _zip_has(data: bytes, folder: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return any(n.startswith(folder) for n in zf.namelist())
    except zipfile.BadZipFile:
        return False


def write_file(upload: CheckedUpload) -> str:
    """Write one checked upload under a random name in the upload folder; returns that name."""
    folder = current_app.config["UPLOAD_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    stored = secrets.token_hex(16)
    with open(os.path.join(folder, stored), "wb") as fh:
        fh.write(upload.data)
    return stored


def store_uploads(ticket, uploads: list[CheckedUpload], *, event=None, public=True, uploader=None):
    """Write checked uploads to the upload folder and return their (unsaved) Attachment rows."""
    rows = []
    for up in uploads:
        stored = write_file(up)
        rows.append(Attachment(ticket=ticket, event=event, original_name=up.name, stored_name=stored,
                               content_type=up.content_type, size=len(up.data), is_public=public,
                               uploaded_by_id=uploader.id if uploader else None, created_at=utcnow()))
    return rows


def discard_files(rows) -> None:
    """Remove stored files whose database rows were not committed."""
    folder = current_app.config["UPLOAD_FOLDER"]
    for row in rows:
        try:
            os.remove(os.path.join(folder, row.stored_name))
        except FileNotFoundError:
            pass


def file_path(attachment) -> str:
    """Where an attachment's bytes live on disk."""
    return os.path.join(current_app.config["UPLOAD_FOLDER"], attachment.stored_name)


def send_stored(row):
    """A stored file (ticket attachment or procedure document) as a download with its recorded content type,
    never rendered inline."""
    return send_file(file_path(row), mimetype=row.content_type, as_attachment=True, download_name=row.original_name)
