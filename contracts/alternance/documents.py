"""The documents of a contract file (CERFA signed, training agreement…): what may be uploaded, and
the service that stores one. Files are served only through a view that checks the scoping of the
contract (never a public media URL), under a random storage name (the original name is kept)."""

import os
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction

from contracts.enums import DocumentKind
from contracts.models import ApprenticeshipContract, ContractDocument
from opco import audit

MAX_DOCUMENT_SIZE = 10 * 1024 * 1024  # 10 Mo: a scanned CERFA or agreement, not an archive
# The type is read from the first bytes of the file, not from what the browser declares.
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


def contract_document_add(*, actor, contract_id: int, kind: str, upload) -> ContractDocument:
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": "Nature de pièce inconnue."})
    content_type = document_content_type(upload)
    original_name = os.path.basename(upload.name or "piece")[:255]
    extension = os.path.splitext(original_name)[1].lower()
    with transaction.atomic():
        contract = ApprenticeshipContract.objects.select_for_update(of=("self",)).get(pk=contract_id)
        upload.name = f"{uuid.uuid4().hex}{extension}"
        document = ContractDocument(
            contract=contract,
            kind=kind,
            file=upload,
            original_name=original_name,
            size=upload.size,
            content_type=content_type,
            uploaded_by=actor,
        )
        document.full_clean(exclude=["contract", "uploaded_by"])
        document.save()
        audit.record(
            actor=actor,
            action="contract_document_add",
            target=contract,
            changes={"document": [None, document.pk]},
            summary=f"Pièce ajoutée : {document.get_kind_display()} ({original_name}, {upload.size // 1024} Ko)",
        )
    return document
