"""The API of the training funding: the simulator (POST /api/v1/simulations/training-funding/) and the
filing of a request (POST /api/v1/training-requests/, GET one by its number), calling the same
services as the command and the screens."""

from django.core.exceptions import PermissionDenied, ValidationError
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts import roles
from opco.api.views import ApiView
from sme_services.funding.enums import Channel
from sme_services.funding.inputs import InvalidInput
from sme_services.funding.selectors import requests_visible_to
from sme_services.funding.services import training_request_file
from sme_services.funding.simulation import simulation_as_json

SIMULATOR_ROLES = (roles.STAFF, roles.ADVISOR)
EXAMPLE_REQUEST = {
    "company": {"siret": "43240447300105", "idcc": "2216", "headcount": 23},
    "dispositif": "plan50",
    "training": {
        "title": "Gestion des stocks en ligne",
        "theme": "gestion_stocks",
        "modality": "foad",
        "start": "2026-02-02",
        "end": "2026-03-27",
        "hours_per_trainee": "10",
        "trainees": 3,
        "pedagogical_cost": "600.00",
    },
    "filed_on": "2026-01-26",
}


class FundingCompanySerializer(serializers.Serializer):
    siret = serializers.CharField()
    idcc = serializers.CharField()
    headcount = serializers.IntegerField(min_value=0)


class FundingTrainingSerializer(serializers.Serializer):
    title = serializers.CharField()
    theme = serializers.CharField()
    modality = serializers.ChoiceField(choices=["presentiel", "foad", "afest"])
    start = serializers.DateField()
    end = serializers.DateField()
    trainees = serializers.IntegerField(min_value=1)
    pedagogical_cost = serializers.CharField(help_text="montant « 123.45 » ou nombre")
    hours_per_trainee = serializers.CharField(required=False, help_text="plan50")
    pedagogy_kind = serializers.CharField(required=False, help_text="plan50, présentiel")
    mandate = serializers.ChoiceField(choices=["first", "renewal"], required=False, help_text="ssct")
    days = serializers.IntegerField(min_value=1, required=False, help_text="ssct")


class FundingPaySerializer(serializers.Serializer):
    hourly_pay = serializers.CharField(required=False)
    hourly_pay_by_trainee = serializers.ListField(child=serializers.CharField(), required=False)


class FundingFraisSerializer(serializers.Serializer):
    amount = serializers.CharField()
    km = serializers.IntegerField(required=False)
    nights = serializers.IntegerField(required=False)
    meals = serializers.IntegerField(required=False)


class FundingSimulationInputSerializer(serializers.Serializer):
    """Documentation of TRAINING_FUNDING.md §2; validation is the engine's own."""

    company = FundingCompanySerializer()
    dispositif = serializers.ChoiceField(choices=["plan50", "ssct"])
    training = FundingTrainingSerializer()
    pay = FundingPaySerializer(required=False)
    frais = FundingFraisSerializer(required=False)
    filed_on = serializers.DateField()
    consumed_this_year = serializers.CharField(required=False)
    hours_this_year = serializers.CharField(required=False)


class FundingLineSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["pedagogy", "afest", "pay", "frais"])
    asked = serializers.CharField()
    cap = serializers.CharField()
    funded = serializers.CharField()


class FundingRefusalSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class FundingSimulationOutputSerializer(serializers.Serializer):
    dispositif = serializers.CharField()
    rule_set = serializers.CharField(allow_null=True)
    smic_hourly = serializers.CharField()
    size_band = serializers.DictField(allow_null=True)
    annual_cap = serializers.CharField(allow_null=True)
    latest_filing_date = serializers.DateField(allow_null=True)
    ssct = serializers.DictField(allow_null=True)
    lines = FundingLineSerializer(many=True)
    subtotal = serializers.CharField()
    annual_cap_reduction = serializers.CharField()
    total_funded = serializers.CharField()
    hors_plafond = serializers.BooleanField()
    counted_against_cap = serializers.CharField()
    consumed_this_year = serializers.CharField()
    remaining_cap = serializers.CharField(allow_null=True)
    decision = serializers.ChoiceField(choices=["eligible", "refused"])
    refusals = FundingRefusalSerializer(many=True)


class FundingErrorSerializer(serializers.Serializer):
    errors = serializers.DictField(child=serializers.CharField())


class TrainingFundingSimulationView(ApiView):
    """POST /api/v1/simulations/training-funding/ — TRAINING_FUNDING.md §2 in, §6 out."""

    allowed_roles = SIMULATOR_ROLES

    @extend_schema(
        summary="Simuler la prise en charge d'une formation (plan < 50, SSCT)",
        request=FundingSimulationInputSerializer,
        responses={200: FundingSimulationOutputSerializer, 400: FundingErrorSerializer},
        examples=[OpenApiExample("FOAD, plafond horaire à distance", value=EXAMPLE_REQUEST, request_only=True)],
    )
    def post(self, request):
        try:
            return Response(simulation_as_json(request.data))
        except InvalidInput as exc:
            return self.refusal({exc.path: str(exc)})
        except LookupError as exc:
            return self.refusal({"training.start": str(exc)})


class FundingTrainingRequestInputSerializer(FundingSimulationInputSerializer):
    provider_siret = serializers.CharField(required=False)
    subrogation = serializers.BooleanField(required=False)
    trainee_name = serializers.CharField(required=False, help_text="ssct")
    provider_approved = serializers.BooleanField(required=False, help_text="ssct : organisme certifié ou agréé (L2315-17)")
    afest_project = serializers.IntegerField(required=False, help_text="modalité afest : le projet AFEST de l'entreprise")


class FundingTrainingRequestOutputSerializer(serializers.Serializer):
    file_number = serializers.CharField()
    status = serializers.CharField()
    received_on = serializers.DateField()
    decision_due_on = serializers.DateField()
    rule_set = serializers.CharField(allow_null=True)
    funded_total = serializers.CharField()
    refusal_codes = serializers.ListField(child=serializers.CharField())
    simulation = FundingSimulationOutputSerializer()


def request_as_json(file) -> dict:
    return {
        "file_number": file.file_number,
        "status": file.status,
        "received_on": file.received_on.isoformat(),
        "decision_due_on": file.decision_due_on.isoformat() if file.decision_due_on else None,
        "rule_set": file.rule_set.reference if file.rule_set_id else None,
        "funded_total": f"{file.funded_total:.2f}",
        "refusal_codes": file.refusal_codes,
        "simulation": file.result,
    }


class TrainingRequestCreateView(ApiView):
    """POST /api/v1/training-requests/ — file a request for a company (staff; an advisor for their
    portfolio). `filed_on` and `consumed_this_year` are the OPCO's, not the caller's."""

    allowed_roles = SIMULATOR_ROLES

    @extend_schema(
        summary="Déposer une demande de financement de formation (< 50)",
        request=FundingTrainingRequestInputSerializer,
        responses={201: FundingTrainingRequestOutputSerializer, 400: FundingErrorSerializer, 403: FundingErrorSerializer},
    )
    def post(self, request):
        try:
            filed = training_request_file(actor=request.user, data=request.data, channel=Channel.API)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"payload": exc.messages}
            return self.refusal({key: " ".join(value) for key, value in errors.items()})
        except PermissionDenied as exc:
            return Response({"errors": {"company": str(exc)}}, status=403)
        return Response(request_as_json(filed), status=201)


class TrainingRequestDetailView(ApiView):
    """GET /api/v1/training-requests/<number>/ — one request the caller may see (404 otherwise)."""

    allowed_roles = (roles.STAFF, roles.ADVISOR, roles.BRANCH_REP)

    @extend_schema(
        summary="Lire une demande de financement de formation", responses={200: FundingTrainingRequestOutputSerializer}
    )
    def get(self, request, file_number: str):
        file = requests_visible_to(request.user).filter(file_number=file_number).first()
        if file is None:
            return Response({"errors": {"file_number": "Demande introuvable."}}, status=404)
        return Response(request_as_json(file))
