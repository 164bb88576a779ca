"""The proximity service's API (opco.api: role before body, French 400s), scoped like the screens:
POST /api/v1/needs/ and GET /api/v1/needs/ (staff, advisors), GET /api/v1/companies/{siret}/ (the
company page's summary, no contact details)."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts import roles
from opco.api.views import ApiView
from sme_services import selectors
from sme_services.enums import NeedStatus, NeedSubject, size_band
from sme_services.models.needs import DESCRIPTION_MAX
from sme_services.services import needs as services
from sme_services.services.portfolio import advisor_of, company_branch_id

PAGE = 100


class NeedInSerializer(serializers.Serializer):
    siret = serializers.CharField(max_length=20)
    subject = serializers.ChoiceField(
        choices=NeedSubject.values, help_text="Sujet : " + ", ".join(f"{s.value} ({s.label})" for s in NeedSubject)
    )
    description = serializers.CharField(max_length=DESCRIPTION_MAX)
    contact_name = serializers.CharField(max_length=150)
    contact_email = serializers.EmailField(max_length=254)
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    company_name = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    idcc_code = serializers.CharField(max_length=4, required=False, allow_blank=True, default="")
    headcount = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, allow_null=True, default=None)
    postal_code = serializers.CharField(max_length=5, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    campaign_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class NeedOutSerializer(serializers.Serializer):
    file_number = serializers.CharField()
    status = serializers.CharField(help_text="Statut : " + ", ".join(f"{s.value} ({s.label})" for s in NeedStatus))
    subject = serializers.CharField()
    siret = serializers.CharField(source="company.siret")
    company = serializers.CharField(source="company.name")
    received_on = serializers.DateField()
    taken_on = serializers.DateField(allow_null=True)
    closed_on = serializers.DateField(allow_null=True)
    outcome = serializers.CharField()
    advisor = serializers.CharField(source="assigned_to.email", allow_null=True, default=None)


class NeedListSerializer(serializers.Serializer):
    results = NeedOutSerializer(many=True)
    next_after = serializers.CharField(allow_null=True, help_text="Curseur de la page suivante (paramètre « after »).")


class ErrorsSerializer(serializers.Serializer):
    errors = serializers.DictField(child=serializers.CharField())


class NeedsView(ApiView):
    allowed_roles = (roles.STAFF, roles.ADVISOR)

    @extend_schema(
        summary="Besoins visibles (les plus récents d'abord)",
        parameters=[
            OpenApiParameter("status", str, enum=NeedStatus.values, required=False),
            OpenApiParameter("after", str, required=False, description="Curseur « AAAA-MM-JJ.id » de la page précédente."),
        ],
        responses={200: NeedListSerializer, 400: ErrorsSerializer},
    )
    def get(self, request):
        needs = selectors.needs_visible_to(request.user).order_by("-received_on", "-id")
        status = request.query_params.get("status")
        if status:
            if status not in NeedStatus.values:
                return self.refusal({"status": "Statut inconnu."})
            needs = needs.filter(status=status)
        after = request.query_params.get("after", "")
        if after:
            try:
                day, pk = after.split(".")
                from datetime import date

                from django.db.models import Q

                day = date.fromisoformat(day)
                needs = needs.filter(Q(received_on__lt=day) | Q(received_on=day, id__lt=int(pk)))
            except ValueError:
                return self.refusal({"after": "Curseur invalide."})
        rows = list(needs[: PAGE + 1])
        nxt = f"{rows[PAGE - 1].received_on.isoformat()}.{rows[PAGE - 1].pk}" if len(rows) > PAGE else None
        return Response({"results": NeedOutSerializer(rows[:PAGE], many=True).data, "next_after": nxt})

    @extend_schema(
        summary="Enregistrer un besoin (routé vers le conseiller de l'entreprise)",
        request=NeedInSerializer,
        responses={
            201: NeedOutSerializer,
            400: OpenApiResponse(ErrorsSerializer, description="Champ refusé, ou entreprise d'un autre OPCO (« opco »)."),
        },
    )
    def post(self, request):
        serializer = NeedInSerializer(data=request.data)
        if not serializer.is_valid():
            return self.refusal({k: " ".join(map(str, v)) for k, v in serializer.errors.items()})
        try:
            need = services.need_receive(actor=request.user, data=services.NeedInput(**serializer.validated_data), channel="api")
        except services.OtherOpco as other:
            return self.refusal({"opco": other.messages[0]})
        except ValidationError as refusal:
            errors = refusal.message_dict if hasattr(refusal, "error_dict") else {"payload": refusal.messages}
            return self.refusal({k: " ".join(v) for k, v in errors.items()})
        return Response(NeedOutSerializer(need).data, status=201)


class CompanySummarySerializer(serializers.Serializer):
    siret = serializers.CharField()
    name = serializers.CharField()
    naf = serializers.CharField(allow_null=True)
    idcc = serializers.CharField(allow_null=True)
    branch_id = serializers.IntegerField(allow_null=True)
    headcount = serializers.IntegerField(allow_null=True)
    size_band = serializers.CharField()
    advisor = serializers.CharField(allow_null=True)
    needs = serializers.DictField(child=serializers.IntegerField(), help_text="Nombre de besoins par statut.")
    interactions = serializers.IntegerField()
    diagnostics = serializers.IntegerField()
    afest_projects = serializers.IntegerField()


class CompanySummaryView(ApiView):
    allowed_roles = (roles.STAFF, roles.ADVISOR)

    @extend_schema(
        summary="Résumé de la fiche entreprise",
        responses={200: CompanySummarySerializer, 404: OpenApiResponse(description="Inconnue ou hors de votre portefeuille.")},
    )
    def get(self, request, siret: str):
        company = get_object_or_404(selectors.companies_visible_to(request.user).select_related("naf", "idcc"), siret=siret)
        needs = {}
        for status in selectors.needs_visible_to(request.user).filter(company=company).values_list("status", flat=True):
            needs[status] = needs.get(status, 0) + 1
        advisor = advisor_of(company)
        return Response(
            {
                "siret": company.siret,
                "name": company.name,
                "naf": company.naf.code if company.naf_id else None,
                "idcc": company.idcc.code if company.idcc_id else None,
                "branch_id": company_branch_id(company),
                "headcount": company.headcount,
                "size_band": size_band(company.headcount),
                "advisor": str(advisor) if advisor else None,
                "needs": needs,
                "interactions": selectors.interactions_visible_to(request.user).filter(company=company).count(),
                "diagnostics": selectors.diagnostics_visible_to(request.user).filter(company=company).count(),
                "afest_projects": selectors.afest_visible_to(request.user).filter(company=company).count(),
            }
        )
