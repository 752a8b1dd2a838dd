"""Attachments: type checked by content, stored under random names, read back only through a view."""
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import audit, storage
from core.beneficiaries.errors import FormErrors, IllegalTransition
from core.extensions import db
from core.models.keys import get_in_tenant
from core.text import clean_file_name
from core.workflow.models import Attachment, RequestDocument
from core.workflow.operations import DOCUMENT_STATES, note

MAX_BYTES = 5 * 1024 * 1024
#: Leading bytes → (content type, extension). The browser's claim and the file name are not trusted.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


STORE_REFUSED = storage.STORE_REFUSED


def save(tenant_id: int, name: str, data: bytes, field: str = "file") -> None:
    """Store an upload's bytes (all or nothing), or refuse the form on its file field."""
    try:
        storage.uploads().save(storage.key(tenant_id, name), data)
    except storage.StorageError:
        current_app.logger.exception("upload store refused a file")
        raise FormErrors({field: str(STORE_REFUSED)}) from None


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None


def store(request, upload, document_id, actor) -> Attachment:
    if request.state not in DOCUMENT_STATES:
        raise IllegalTransition(_("Documents can no longer be changed: the request was sent for a decision."))
    if upload is None or not upload.filename:
        raise FormErrors({"file": str(_l("Choose a file."))})
    data = upload.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise FormErrors({"file": str(_l("The file is larger than 5 MB."))})
    if not data:
        raise FormErrors({"file": str(_l("The file is empty."))})
    kind = sniff(data[:16])
    if kind is None:
        raise FormErrors({"file": str(_l("Only PDF, PNG and JPEG files are accepted."))})
    document = None
    if document_id not in (None, ""):
        document = get_in_tenant(RequestDocument, document_id)
        if document is None or document.request_id != request.id:
            raise FormErrors({"document_id": str(_l("Choose one of the options."))})
    stored_name = secrets.token_hex(16) + kind[1]
    save(request.tenant_id, stored_name, data)  # before any row: a refused file changes nothing
    original = clean_file_name(upload.filename.replace("\\", "/").rsplit("/", 1)[-1])[:200] or stored_name
    attachment = Attachment(request_id=request.id, document_id=getattr(document, "id", None),
                            original_name=original, stored_name=stored_name, content_type=kind[0],
                            size=len(data), uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    audit.record("request.attachment", attachment, after={"reference": request.reference, "name": original,
                                                          "type": kind[0], "size": len(data)})
    note(request.beneficiary_id, "document", _("File attached: {name}").format(name=original), actor, request)
    return attachment


def download_name(attachment: Attachment) -> str:
    """The name a download gets: the uploader's, with the extension of the type found in the content
    (never the uploader's own: "invoice.pdf.exe" of a PDF downloads as "invoice.pdf.pdf")."""
    extension = next((ext for _magic, kind, ext in SIGNATURES if kind == attachment.content_type), "")
    stem = clean_file_name(attachment.original_name)
    stem = stem[: -len(Path(stem).suffix)] if Path(stem).suffix.lower() == extension else stem
    return (stem or "file") + extension


def key_of(attachment) -> str:
    """The storage key of any stored upload (a request's or a complaint's attachment)."""
    return storage.key(attachment.tenant_id, attachment.stored_name)
