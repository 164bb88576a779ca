"""The contract file API: deposit (POST /api/v1/apprenticeship-contracts/, staff) and reading a file
(GET /api/v1/apprenticeship-contracts/<file_number>/, scoped like the screens).

The deposit is `contract_deposit` behind `contracts.alternance.imports.deposit_or_refuse`, shared with the bulk
import: a payload already deposited answers 200 with the same file (idempotent), a refused one 400
naming each field, and then nothing is stored. The NIR is never answered.
"""

from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts import roles
from contracts.alternance.imports import deposit_or_refuse
from contracts.alternance.payload import InvalidPayload
from contracts.api.checks import EXAMPLE_PAYLOAD, CheckReportSerializer, ContractPayloadSerializer
from contracts.api.simulations import ErrorSerializer
from contracts.enums import ContractStatus, FinancialSection, InstalmentOrigin
from contracts.models import ApprenticeshipContract
from contracts.selectors import contracts_visible_to
from opco.api.views import ApiView
from payments.enums import ScheduleStatus

# --- Documentation of the answers ------------------------------------------------------------------
# Statuses as documented text, not enums: drf-spectacular would otherwise merge the three « status »
# choice sets (file, instalment, check) under one generated name.
CONTRACT_STATUSES = "Statut du dossier : " + ", ".join(f"{s.value} ({s.label})" for s in ContractStatus)
INSTALMENT_STATUSES = "Statut de l'échéance : " + ", ".join(f"{s.value} ({s.label})" for s in ScheduleStatus)


class DepositSerializer(serializers.Serializer):
    file_number = serializers.CharField(help_text="N° de dossier OPCO.")
    status = serializers.CharField(help_text=CONTRACT_STATUSES)
    decision_due_on = serializers.DateField(help_text="Décision due au plus tard le (R6224-3 : 20 jours).")
    checks = CheckReportSerializer(help_text="Les contrôles d'instruction du dépôt (CHECKS.md).")


class EmployerSummarySerializer(serializers.Serializer):
    siret = serializers.CharField()
    name = serializers.CharField()
    idcc = serializers.CharField()


class TrainingSummarySerializer(serializers.Serializer):
    rncp = serializers.CharField()
    level = serializers.IntegerField()
    title = serializers.CharField()
    cfa_siret = serializers.CharField()


class ContractDatesSerializer(serializers.Serializer):
    signed_on = serializers.DateField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    received_on = serializers.DateField()
    complete_on = serializers.DateField(allow_null=True)
    decision_due_on = serializers.DateField(allow_null=True)
    decided_on = serializers.DateField(allow_null=True)


class CommitmentSummarySerializer(serializers.Serializer):
    regime = serializers.CharField()
    npec = serializers.CharField()
    npec_source = serializers.CharField()
    annual_amount = serializers.CharField()
    employer_participation = serializers.CharField()
    financial_section = serializers.ChoiceField(choices=FinancialSection.values)
    committed_at = serializers.DateTimeField()
    total_net = serializers.CharField(help_text="Somme nette des échéances non remplacées.")


class FileInstalmentSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    kind = serializers.CharField()
    due_date = serializers.DateField()
    gross = serializers.CharField()
    deduction = serializers.CharField()
    net = serializers.CharField()
    status = serializers.CharField(help_text=INSTALMENT_STATUSES)
    origin = serializers.ChoiceField(choices=InstalmentOrigin.values)


class ContractFileSerializer(serializers.Serializer):
    file_number = serializers.CharField()
    deca_number = serializers.CharField()
    status = serializers.CharField(help_text=CONTRACT_STATUSES)
    status_label = serializers.CharField()
    implicit_refusal = serializers.BooleanField()
    contract_type = serializers.CharField()
    employer = EmployerSummarySerializer()
    training = TrainingSummarySerializer()
    dates = ContractDatesSerializer()
    checks = CheckReportSerializer(allow_null=True)
    commitment = CommitmentSummarySerializer(allow_null=True, help_text="Absent tant que la prise en charge n'est pas accordée.")
    instalments = FileInstalmentSerializer(many=True)


# --- Answers -------------------------------------------------------------------------------------------
def _day(value) -> str | None:
    return value.isoformat() if value else None


def latest_checks(contract: ApprenticeshipContract) -> dict | None:
    run = contract.check_runs.first()
    return {"eligible": run.eligible, "checks": run.results} if run else None


def deposit_as_json(contract: ApprenticeshipContract) -> dict:
    return {
        "file_number": contract.file_number,
        "status": contract.status,
        "decision_due_on": _day(contract.decision_due_on),
        "checks": latest_checks(contract),
    }


def contract_file_as_json(contract: ApprenticeshipContract) -> dict:
    """What a reader of the file may know: no NIR, no birth date, no name of the apprentice."""
    commitment = getattr(contract, "commitment", None)
    instalments = list(commitment.instalments.all()) if commitment else []
    return {
        "file_number": contract.file_number,
        "deca_number": contract.deca_number,
        "status": contract.status,
        "status_label": contract.get_status_display(),
        "implicit_refusal": contract.implicit_refusal,
        "contract_type": contract.contract_type,
        "employer": {"siret": contract.employer_siret, "name": contract.employer_name, "idcc": contract.employer_idcc},
        "training": {
            "rncp": contract.rncp,
            "level": contract.level,
            "title": contract.training_title,
            "cfa_siret": contract.cfa_siret,
        },
        "dates": {
            name: _day(getattr(contract, name))
            for name in ("signed_on", "start_date", "end_date", "received_on", "complete_on", "decision_due_on", "decided_on")
        },
        "checks": latest_checks(contract),
        "commitment": None
        if commitment is None
        else {
            "regime": commitment.regime,
            "npec": str(commitment.npec),
            "npec_source": commitment.npec_source,
            "annual_amount": str(commitment.annual_amount),
            "employer_participation": str(commitment.employer_participation),
            "financial_section": commitment.financial_section,
            "committed_at": commitment.created_at.isoformat(),
            "total_net": str(sum((i.net for i in instalments if i.status != ScheduleStatus.SUPERSEDED), start=Decimal("0.00"))),
        },
        "instalments": [
            {
                "year": i.year,
                "kind": i.kind,
                "due_date": i.due_date.isoformat(),
                "gross": str(i.gross),
                "deduction": str(i.deduction),
                "net": str(i.net),
                "status": i.status,
                "origin": i.origin,
            }
            for i in instalments
        ],
    }


# --- Views -------------------------------------------------------------------------------------------
class ContractDepositView(ApiView):
    """Deposits an apprenticeship contract file (the CHECKS.md payload) and runs its checks."""

    allowed_roles = (roles.STAFF,)

    @extend_schema(
        summary="Déposer un contrat d'apprentissage",
        description=(
            "Enregistre le dossier (CERFA FA13), ouvre le délai de décision de 20 jours (R6224-3) et exécute les "
            "contrôles d'instruction. Le dépôt est idempotent : le même contenu déposé à nouveau répond 200 avec le "
            "même n° de dossier. Un contenu refusé répond 400 en nommant chaque champ, et rien n'est enregistré. "
            "Le NIR est vérifié, jamais renvoyé ni conservé dans le contenu."
        ),
        request=ContractPayloadSerializer,
        responses={
            201: OpenApiResponse(DepositSerializer, description="Dossier créé."),
            200: OpenApiResponse(DepositSerializer, description="Contenu déjà déposé : le dossier existant."),
            400: OpenApiResponse(ErrorSerializer, description="Contenu refusé : un message par champ."),
        },
        examples=[OpenApiExample("Premier contrat, deux ans, niveau 3", value=EXAMPLE_PAYLOAD, request_only=True)],
    )
    def post(self, request):
        try:
            deposit = deposit_or_refuse(actor=request.user, data=request.data, source="api")
        except InvalidPayload as exc:
            return Response({"errors": exc.errors}, status=400)
        location = reverse("api-contract-file", kwargs={"file_number": deposit.contract.file_number})
        return Response(deposit_as_json(deposit.contract), status=201 if deposit.created else 200, headers={"Location": location})


class ContractFileView(ApiView):
    """One contract file, as its reader may see it (404 outside the reader's scope)."""

    allowed_roles = roles.FILE_READERS

    @extend_schema(
        summary="Consulter un dossier de contrat d'apprentissage",
        description=(
            "Statut, dates, derniers contrôles, engagement de financement et échéancier du dossier. Le personnel de "
            "l'OPCO voit tous les dossiers, un conseiller ceux des "
            "entreprises de son portefeuille ; un représentant de branche n'y a pas accès (403 : chiffres agrégés "
            "seulement) ; un autre dossier répond 404. Ni le NIR ni l'identité de l'apprenti."
        ),
        responses={200: ContractFileSerializer, 404: OpenApiResponse(description="Dossier inconnu ou hors de votre périmètre.")},
    )
    def get(self, request, file_number: str):
        files = contracts_visible_to(request.user).select_related("commitment")
        contract = get_object_or_404(files, file_number=file_number)
        return Response(contract_file_as_json(contract))
