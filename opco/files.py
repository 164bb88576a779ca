"""Upload checks shared by every door that stores a document (DESIGN.md, security baseline): the type
is read from the first bytes, not from what the browser declares; size and extension are checked."""

import os
import uuid

from django.core.exceptions import ValidationError

MAX_DOCUMENT_SIZE = 10 * 1024 * 1024  # 10 Mo: a scanned CERFA or agreement, not an archive
SIGNATURES = (
    ("application/pdf", b"%PDF-", (".pdf",)),
    ("image/jpeg", b"\xff\xd8\xff", (".jpg", ".jpeg")),
    ("image/png", b"\x89PNG\r\n\x1a\n", (".png",)),
)


def document_content_type(upload) -> str:
    """The content type of an uploaded file, or ValidationError (French) when its size or its type
    is not allowed: PDF, JPEG or PNG, at most 10 Mo, the extension agreeing with the content."""
    if upload is None:
        raise ValidationError({"file": "Choisissez un fichier."})
    if upload.size == 0:
        raise ValidationError({"file": "Le fichier est vide."})
    if upload.size > MAX_DOCUMENT_SIZE:
        raise ValidationError(
            {"file": f"Le fichier dépasse 10 Mo ({upload.size / 1024 / 1024:.1f} Mo) : réduisez-le ou scannez-le en PDF."}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    extension = os.path.splitext(upload.name or "")[1].lower()
    for content_type, signature, extensions in SIGNATURES:
        if head.startswith(signature):
            if extension not in extensions:
                raise ValidationError(
                    {"file": f"L'extension « {extension or 'aucune'} » ne correspond pas au contenu du fichier."}
                )
            return content_type
    raise ValidationError({"file": "Seuls les fichiers PDF, JPEG et PNG sont acceptés."})


def storage_name(original_name: str) -> str:
    """A random storage name keeping the extension: the original name never reaches the disk."""
    return f"{uuid.uuid4().hex}{os.path.splitext(original_name)[1].lower()}"
