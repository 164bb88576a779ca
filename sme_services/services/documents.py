"""Uploading a document to a diagnostic (its deliverable) or to an AFEST project or FOAD action (the
evidence of an element of D6313-3-2 / D6313-3-1), besides the text. The caller has already reached the
file through its scoping; the checks of every upload are opco.files' (type read from the first bytes,
10 Mo, extension agreeing), the name on disk a random one. Audited on the file; a refusal stores nothing."""

import os

from django.core.exceptions import ValidationError
from django.db import transaction

from opco import audit
from opco.files import document_content_type, storage_name
from sme_services.models import AfestProject, Diagnostic, FoadAction, ServiceDocument
from sme_services.models.documents import AFEST_ELEMENTS, DIAGNOSTIC_ELEMENTS, FOAD_ELEMENTS

OWNERS = {
    Diagnostic: ("diagnostic", DIAGNOSTIC_ELEMENTS),
    AfestProject: ("afest_project", AFEST_ELEMENTS),
    FoadAction: ("foad_action", FOAD_ELEMENTS),
}


def elements_of(owner) -> dict[str, str]:
    return OWNERS[type(owner)][1]


def document_add(*, actor, owner, element: str, upload, title: str = "") -> ServiceDocument:
    """Store `upload` as the evidence of `element` of `owner` (a Diagnostic, AfestProject or FoadAction)."""
    field, elements = OWNERS[type(owner)]
    if element not in elements:
        raise ValidationError({"element": "Choisissez l'élément que ce document justifie."})
    content_type = document_content_type(upload)
    original_name = os.path.basename(upload.name or "document")[:255]
    with transaction.atomic():
        upload.name = storage_name(original_name)
        document = ServiceDocument(
            **{field: owner},
            element=element,
            title=(title or "").strip()[:255] or original_name,
            file=upload,
            original_name=original_name,
            content_type=content_type,
            uploaded_by=actor,
        )
        document.save()
        audit.record(
            actor=actor,
            action="sme_document_add",
            target=owner,
            changes={"document": [None, original_name], "element": [None, element]},
            summary=f"Document « {document.title} » déposé : {elements[element]}",
        )
    return document


def documents_by_element(owner) -> list[tuple[str, str, list[ServiceDocument]]]:
    """(code, label, documents) for each element of `owner`, in the order of the article."""
    documents = list(owner.documents.all())
    return [(code, label, [d for d in documents if d.element == code]) for code, label in elements_of(owner).items()]
