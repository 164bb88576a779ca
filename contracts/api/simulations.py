from drf_spectacular.utils import OpenApiExample, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers
from rest_framework.response import Response

from accounts import roles
from contracts.financing.io import InvalidInput
from contracts.financing.service import simulation_as_json
from opco.api.access import HasRole
from opco.api.views import ApiView

SIMULATOR_ROLES = (roles.STAFF, roles.ADVISOR)


class FraisAnnexesSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=1)
    nights = serializers.IntegerField(min_value=0, required=False)
    meals = serializers.IntegerField(min_value=0, required=False)
    first_equipment = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)


class SimulationInputSerializer(serializers.Serializer):
    """Documentation of the input (FINANCING.md « Interface »); validation is the service's own."""

    signature_date = serializers.DateField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    certification_level = serializers.IntegerField(min_value=3, max_value=8)
    npec = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)
    rncp = serializers.CharField(required=False)
    idcc = serializers.CharField(required=False)
    cpne = serializers.CharField(required=False)
    distance_learning_share = serializers.DecimalField(max_digits=5, decimal_places=4, required=False)
    distance_exempt = serializers.BooleanField(required=False)
    rqth_majoration = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)
    frais_annexes = FraisAnnexesSerializer(many=True, required=False)
    cfa_declared_on = serializers.DateField(required=False)
    shortened_duration = serializers.BooleanField(required=False)
    rupture_date = serializers.DateField(required=False)
    rupture_during_probation = serializers.BooleanField(required=False)
    after_previous_rupture = serializers.BooleanField(required=False)


class YearSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()
    complete = serializers.BooleanField()
    amount = serializers.CharField()
    frais_annexes = serializers.CharField()


class InstalmentSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["advance", "month7", "month10", "balance", "regularisation"])
    due_date = serializers.DateField()
    gross = serializers.CharField()
    deduction = serializers.CharField()
    net = serializers.CharField()


class SimulationOutputSerializer(serializers.Serializer):
    regime = serializers.ChoiceField(choices=["R2025", "R2021"])
    npec = serializers.CharField()
    npec_source = serializers.ChoiceField(choices=["input", "referentiel", "amorcage"])
    annual_amount = serializers.CharField()
    years = YearSerializer(many=True)
    employer_participation = serializers.CharField()
    instalments = InstalmentSerializer(many=True)
    total_gross = serializers.CharField()
    total_deduction = serializers.CharField()
    total_net = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    errors = serializers.DictField(child=serializers.CharField())


class ApprenticeshipSimulationView(ApiView):
    """POST /api/v1/simulations/apprenticeship/ — the « simulateur de prise en charge »."""

    allowed_roles = SIMULATOR_ROLES

    @extend_schema(
        summary="Simuler la prise en charge d'un contrat d'apprentissage",
        request=SimulationInputSerializer,
        responses={200: SimulationOutputSerializer, 400: ErrorSerializer},
        examples=[
            OpenApiExample(
                "Deux années complètes, niveau 5",
                value={
                    "signature_date": "2025-08-20",
                    "start_date": "2025-09-01",
                    "end_date": "2027-08-31",
                    "certification_level": 5,
                    "npec": "8000",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        try:
            return Response(simulation_as_json(request.data))
        except InvalidInput as exc:
            return Response({"errors": exc.errors}, status=400)


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, for the roles that use the API."""

    allowed_roles = SIMULATOR_ROLES
    permission_classes = [HasRole]
