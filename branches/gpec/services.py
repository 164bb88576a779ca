"""Writes of the GPEC observatory's library: studies and their documents, audited."""

import os

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import roles
from branches.gpec.models import GpecDocument, GpecStudy
from branches.models import BranchMembership
from opco import audit
from opco.files import document_content_type, storage_name

FIELDS = (
    "title",
    "study_type",
    "status",
    "provider",
    "budget",
    "opco_funding",
    "branch_funding",
    "other_funding",
    "deliverables",
    "published_on",
    "visibility",
)


def may_manage(user, branch) -> bool:
    """OPCO staff, and the branch's own representatives, keep its library."""
    return roles.STAFF(user) or (roles.BRANCH_REP(user) and BranchMembership.objects.filter(user=user, branch=branch).exists())


def study_save(*, actor, branch, data: dict, study: GpecStudy | None = None) -> GpecStudy:
    if not may_manage(actor, branch):
        raise ValidationError("Seuls l'OPCO et les représentants de la branche tiennent sa bibliothèque d'études.")
    with transaction.atomic():
        before = audit.snapshot(study, FIELDS) if study else {}
        study = study or GpecStudy(branch=branch, created_by=actor)
        for name in FIELDS:
            if name in data:
                setattr(study, name, data[name])
        if study.status == GpecStudy.Status.PUBLISHED and study.published_on is None:
            raise ValidationError({"published_on": "Une étude publiée a une date de publication."})
        if study.funded > study.budget:
            raise ValidationError({"budget": "Les financements dépassent le budget de l'étude."})
        study.full_clean(exclude=["branch", "created_by"])
        study.save()
        audit.record(
            actor=actor,
            action="gpec_study_save",
            target=study,
            changes=audit.diff(before, audit.snapshot(study, FIELDS)),
            summary=f"Étude GPEC « {study.title} »",
        )
    return study


def study_document_add(*, actor, study: GpecStudy, title: str, upload) -> GpecDocument:
    if not may_manage(actor, study.branch):
        raise ValidationError("Seuls l'OPCO et les représentants de la branche déposent les livrables.")
    content_type = document_content_type(upload)
    original_name = os.path.basename(upload.name or "document")[:255]
    with transaction.atomic():
        upload.name = storage_name(original_name)
        document = GpecDocument(
            study=study,
            title=title[:255] or original_name,
            file=upload,
            original_name=original_name,
            content_type=content_type,
            uploaded_by=actor,
        )
        document.full_clean(exclude=["study", "uploaded_by"])
        document.save()
        audit.record(
            actor=actor,
            action="gpec_document_add",
            target=study,
            changes={"document": [None, original_name]},
            summary=f"Livrable « {document.title} » déposé",
        )
    return document
