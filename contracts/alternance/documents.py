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

# The upload checks are the project's (opco.files): type read from the first bytes, size, extension.
from opco.files import MAX_DOCUMENT_SIZE, SIGNATURES, document_content_type  # noqa: E402, F401


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
