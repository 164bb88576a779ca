"""POST /api/v1/invoices/: a CFA's invoice or attestation for a contract (staff today, the CFAs
themselves later, as the inter-OPCO « API CFA » does). The document goes through
`cfa_document_receive`, like the staff upload: it is matched to the instalments it unlocks, and those
whose conditions are now met are handed over to payments (R6332-25). A refusal answers 400 naming
the field, and nothing is stored. An invoice whose amount is far from what it unlocks is stored
« à vérifier » and unlocks nothing until staff clear it (POST /api/v1/invoices/<id>/review/). Who may
do either is the service's rule (gestionnaires and finance), declared here too so that another role is
refused before its body is read.
"""

import os
import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from contracts.alternance.cfa_documents import CFA_DOCUMENT_ROLES, NOTE_MAX, cfa_document_receive, cfa_document_review_clear
from contracts.alternance.documents import document_content_type
from contracts.api.files import INSTALMENT_STATUSES
from contracts.api.simulations import ErrorSerializer
from contracts.enums import CfaDocumentKind
from contracts.models import CfaDocument, Instalment
from opco.api.bodies import BoundedJSONParser, FrenchFormParser, FrenchMultiPartParser
from opco.api.views import ApiView
from opco.models import AuditEntry

# Documented as text, not an enum: drf-spectacular would otherwise merge this « kind » with the
# instalments' own under one generated name.
KINDS = "Nature de la pièce : " + ", ".join(f"{kind.value} ({kind.label})" for kind in CfaDocumentKind)
INSTALMENT_KINDS = "advance (avance), month7 (7e mois), month10 (10e mois), balance (solde), regularisation (régularisation)"


class CfaDocumentInputSerializer(serializers.Serializer):
    """Documents and types the input; the rules (what the document unlocks, duplicates) are the service's."""

    contract = serializers.CharField(max_length=32, help_text="N° de dossier OPCO (AP…) ou n° DECA du contrat.")
    kind = serializers.CharField(max_length=32, help_text=KINDS)
    cfa_siret = serializers.CharField(max_length=20, help_text="SIRET du CFA émetteur : celui du CFA du contrat.")
    year = serializers.IntegerField(
        min_value=1,
        max_value=10,
        required=False,
        allow_null=True,
        help_text="Année du contrat (1, 2, 3…) que la facture annuelle concerne ; ignorée pour les autres pièces.",
    )
    number = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="N° de la facture, obligatoire pour une facture et unique par CFA ; ignoré pour une attestation.",
    )
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Montant facturé en euros (deux décimales au plus) ; ignoré pour une attestation.",
    )
    issued_on = serializers.DateField(required=False, allow_null=True, help_text="Date d'émission de la pièce (AAAA-MM-JJ).")
    received_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Date de réception par l'OPCO (AAAA-MM-JJ), jamais dans le futur ; aujourd'hui si absente.",
    )


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.FileField):
    """A file sent in multipart/form-data (documented as binary, not as the URL a FileField answers)."""


class CfaDocumentUploadSerializer(CfaDocumentInputSerializer):
    file = UploadField(required=False, help_text="La pièce elle-même : PDF, JPEG ou PNG, 10 Mo au plus.")


class MatchedInstalmentSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="Année du contrat.")
    kind = serializers.CharField(help_text=INSTALMENT_KINDS)
    due_date = serializers.DateField(help_text="Date d'échéance de l'échéancier.")
    net = serializers.CharField(help_text="Montant net en euros.")
    status = serializers.CharField(help_text=INSTALMENT_STATUSES)


class CfaDocumentReceivedSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Identifiant de la pièce enregistrée.")
    contract = serializers.CharField(help_text="N° de dossier OPCO du contrat.")
    kind = serializers.CharField(help_text=KINDS)
    kind_label = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    number = serializers.CharField()
    received_on = serializers.DateField()
    matched = MatchedInstalmentSerializer(
        many=True, help_text="Les échéances que la pièce concerne, avec leur statut après réception."
    )
    released = serializers.IntegerField(
        help_text="Nombre d'échéances du contrat mises en paiement à cette réception (leurs conditions étant réunies)."
    )
    to_review = serializers.BooleanField(
        help_text=(
            "Vrai quand le montant facturé s'écarte de plus de 1 % (1 € au moins) du net des échéances concernées : "
            "ses échéances attendent que le personnel de l'OPCO valide le montant."
        )
    )
    review_reason = serializers.CharField(help_text="L'écart constaté, vide sinon.")


class ReviewInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_MAX, help_text="Ce qui a été vérifié (avec le CFA, sur l'échéancier…).")


class ReviewedSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Identifiant de la pièce.")
    to_review = serializers.BooleanField(help_text="Faux désormais.")
    released = serializers.IntegerField(help_text="Nombre d'échéances du contrat mises en paiement à cette validation.")


EXAMPLE = {
    "contract": "AP20250000001",
    "kind": CfaDocumentKind.ANNUAL_INVOICE.value,
    "cfa_siret": "44492238900036",
    "year": 1,
    "number": "F-2025-0917",
    "amount": "2188.00",
    "issued_on": "2025-09-10",
    "received_on": "2025-09-15",
}


def _first(errors) -> str:
    """One French message per field (DRF gives lists, possibly nested)."""
    while isinstance(errors, (list, tuple)) and errors:
        errors = errors[0]
    return str(errors)


def received_as_json(document: CfaDocument, matched: list[Instalment], released: int) -> dict:
    # The statuses after the release that followed the receipt.
    statuses = dict(Instalment.objects.filter(pk__in=[i.pk for i in matched]).values_list("pk", "status"))
    return {
        "id": document.pk,
        "contract": document.contract.file_number,
        "kind": document.kind,
        "kind_label": document.get_kind_display(),
        "year": document.year,
        "number": document.number,
        "received_on": document.received_on.isoformat(),
        "matched": [
            {
                "year": i.year,
                "kind": i.kind,
                "due_date": i.due_date.isoformat(),
                "net": str(i.net),
                "status": statuses.get(i.pk, i.status),
            }
            for i in matched
        ],
        "released": released,
        "to_review": document.to_review,
        "review_reason": document.review_reason,
    }


class CfaDocumentReceiveView(ApiView):
    """Receives a CFA's invoice or attestation for one contract."""

    allowed_roles = CFA_DOCUMENT_ROLES
    parser_classes = [BoundedJSONParser, FrenchMultiPartParser, FrenchFormParser]

    @extend_schema(
        summary="Transmettre une facture ou une attestation de CFA",
        description=(
            "Enregistre une pièce du CFA pour un contrat et la rapproche des échéances qu'elle débloque (R6332-25) : "
            "la facture annuelle de l'année N débloque l'avance de l'année N et le solde de l'année N−1 ; la facture "
            "du solde final, l'attestation de réalisation et, pour un contrat de niveau 6 ou plus, la copie de la "
            "facture de participation de l'employeur débloquent le dernier solde si elles arrivent dans les 4 mois "
            "suivant le terme du contrat ; l'attestation de début de formation débloque les avances d'un CFA déclaré "
            "depuis moins de 6 mois. Les échéances dont les conditions sont réunies sont aussitôt mises en paiement.\n\n"
            "JSON, ou multipart/form-data pour joindre le fichier (PDF, JPEG ou PNG, 10 Mo au plus).\n\n"
            "Toute pièce refusée répond 400 avec un message par champ, et rien n'est enregistré : contrat inconnu ou "
            "sans engagement de financement, SIRET qui n'est pas celui du CFA du contrat, pièce déjà reçue (même "
            "nature et même année pour ce contrat, ou même n° de facture pour ce CFA : le message donne la date de "
            "la première réception), année hors de l'échéancier, pièce qui ne débloque aucune échéance, date de "
            "réception future ou au-delà du délai de 4 mois.\n\n"
            "Une facture dont le montant s'écarte de plus de 1 % (1 € au moins) du net des échéances qu'elle concerne "
            "(pour la copie de la facture de participation : de la participation de l'employeur) est enregistrée "
            "« à vérifier » (`to_review`) : ses échéances attendent que le montant soit validé "
            "(POST /api/v1/invoices/{id}/review/).\n\n"
            "Réservé aux gestionnaires et au service financier de l'OPCO (les CFA l'utiliseront ensuite pour leurs "
            "propres contrats)."
        ),
        request={
            "application/json": CfaDocumentInputSerializer,
            "multipart/form-data": CfaDocumentUploadSerializer,
        },
        responses={
            201: OpenApiResponse(CfaDocumentReceivedSerializer, description="Pièce enregistrée et rapprochée."),
            400: OpenApiResponse(ErrorSerializer, description="Pièce refusée (rien n'est enregistré) : un message par champ."),
            403: OpenApiResponse(
                description="Non authentifié, ou rôle sans accès (réservé aux gestionnaires et au service financier)."
            ),
        },
        examples=[OpenApiExample("Facture annuelle de la première année", value=EXAMPLE, request_only=True)],
    )
    def post(self, request):
        serializer = CfaDocumentUploadSerializer(data=request.data)
        if not serializer.is_valid():
            return Response({"errors": {field: _first(errors) for field, errors in serializer.errors.items()}}, status=400)
        values = serializer.validated_data
        upload = values.get("file")
        if upload is not None:
            try:
                document_content_type(upload)  # PDF, JPEG or PNG read from its first bytes, 10 Mo at most
            except DjangoValidationError as exc:
                return Response({"errors": {"file": " ".join(exc.message_dict["file"])}}, status=400)
            # Stored under a random name, like the contract's own documents (contracts.alternance.documents).
            upload.name = f"{uuid.uuid4().hex}{os.path.splitext(upload.name or '')[1].lower()}"
        try:
            received = cfa_document_receive(
                actor=request.user,
                contract_reference=values["contract"],
                kind=values["kind"],
                cfa_siret=values["cfa_siret"],
                year=values.get("year"),
                number=values.get("number", ""),
                amount=values.get("amount"),
                issued_on=values.get("issued_on"),
                received_on=values.get("received_on"),
                file=upload,
                source=AuditEntry.Source.API,
            )
        except DjangoValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            return Response({"errors": {field: " ".join(messages) for field, messages in errors.items()}}, status=400)
        document = received.document
        return Response(received_as_json(document, received.matched, received.released), status=201)


class CfaDocumentReviewView(ApiView):
    """Clears the amount of an invoice « à vérifier »: its instalments may then be paid."""

    allowed_roles = CFA_DOCUMENT_ROLES

    @extend_schema(
        summary="Valider le montant d'une facture de CFA à vérifier",
        description=(
            "Après vérification (auprès du CFA, sur l'échéancier), lève l'indicateur « à vérifier » d'une pièce : "
            "les échéances qu'elle débloque sont aussitôt mises en paiement si leurs autres conditions sont réunies. "
            "La vérification faite (`note`) est obligatoire et conservée dans l'historique. Une pièce dont le montant "
            "n'est pas à vérifier répond 400. Réservé aux gestionnaires et au service financier de l'OPCO."
        ),
        request=ReviewInputSerializer,
        responses={
            200: OpenApiResponse(ReviewedSerializer, description="Montant validé."),
            400: OpenApiResponse(ErrorSerializer, description="Refusé : un message par champ, rien n'est modifié."),
            403: OpenApiResponse(description="Rôle sans accès (réservé aux gestionnaires et au service financier)."),
            404: OpenApiResponse(description="Pièce inconnue."),
        },
    )
    def post(self, request, pk: int):
        serializer = ReviewInputSerializer(data=request.data)
        if not serializer.is_valid():
            return Response({"errors": {field: _first(errors) for field, errors in serializer.errors.items()}}, status=400)
        try:
            cleared = cfa_document_review_clear(
                actor=request.user, document_id=pk, note=serializer.validated_data["note"], source=AuditEntry.Source.API
            )
        except CfaDocument.DoesNotExist:
            raise Http404("Pièce inconnue.") from None
        except DjangoValidationError as exc:
            return Response({"errors": {field: " ".join(messages) for field, messages in exc.message_dict.items()}}, status=400)
        return Response({"id": cleared.document.pk, "to_review": cleared.document.to_review, "released": cleared.released})
