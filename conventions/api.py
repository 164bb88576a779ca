"""The conventions API, read-only (GET /api/v1/conventions/ paged by cursor, GET /api/v1/conventions/{id}/),
scoped as the screens are (conventions.selectors): finance, managers and every staff member read them
all, a branch representative the conventions covering their branch (another is a 404), any other role a
403. Budget, committed, consumed and indicators are those of the convention's page, computed from the
funding lines (never typed)."""

from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts import roles
from conventions.indicators import indicator_table
from conventions.selectors import conventions_visible_to
from conventions.services import money_summary
from opco.api.views import ApiView
from opco.lists import decode_cursor, encode_cursor, keyset_page, sort_order

SORT_FIELDS = {"numero": "number"}
DEFAULT_LIMIT, MAX_LIMIT = 50, 100
READERS = (roles.STAFF, roles.BRANCH_REP)


class ApiErrorSerializer(serializers.Serializer):
    errors = serializers.DictField(child=serializers.CharField(), help_text="Un message en français par champ.")


class ConventionSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    funder = serializers.CharField()
    status = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    version = serializers.IntegerField()
    all_branches = serializers.BooleanField()
    branches = serializers.ListField(child=serializers.CharField(), help_text="Codes des branches couvertes.")
    de_minimis = serializers.BooleanField()


class ConventionPageSerializer(serializers.Serializer):
    results = ConventionSummarySerializer(many=True)
    next_cursor = serializers.CharField(
        allow_null=True, help_text="À passer en « cursor » pour la page suivante ; null à la fin."
    )
    count = serializers.IntegerField(help_text="Nombre de conventions, plafonné à 10 000.")
    count_is_capped = serializers.BooleanField()


class BudgetSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    funder = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class MoneySerializer(serializers.Serializer):
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    committed = serializers.DecimalField(max_digits=14, decimal_places=2)
    consumed = serializers.DecimalField(max_digits=14, decimal_places=2)
    available = serializers.DecimalField(max_digits=14, decimal_places=2)
    due = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Dû par le financeur.")
    received = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Reçu du financeur.")
    to_return = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Reçu au-delà du consommé.")


class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    year = serializers.IntegerField()
    target = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    achieved = serializers.DecimalField(max_digits=14, decimal_places=2)


class ConventionDetailSerializer(ConventionSummarySerializer):
    legal_basis = serializers.CharField()
    object = serializers.CharField()
    territories = serializers.CharField()
    publics = serializers.ListField(child=serializers.CharField())
    signed_on = serializers.DateField(allow_null=True)
    budgets = BudgetSerializer(many=True)
    money = MoneySerializer()
    indicators = IndicatorSerializer(many=True)


def summary(convention) -> dict:
    return {
        "id": convention.pk,
        "number": convention.number,
        "title": convention.title,
        "kind": convention.kind,
        "kind_label": convention.get_kind_display(),
        "funder": convention.funder,
        "status": convention.status,
        "starts_on": convention.starts_on.isoformat(),
        "ends_on": convention.ends_on.isoformat(),
        "version": convention.version,
        "all_branches": convention.all_branches,
        "branches": sorted(branch.code for branch in convention.branches.all()),
        "de_minimis": convention.de_minimis,
    }


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def detail(convention) -> dict:
    return summary(convention) | {
        "legal_basis": convention.legal_basis,
        "object": convention.object,
        "territories": convention.territories,
        "publics": list(convention.publics),
        "signed_on": convention.signed_on.isoformat() if convention.signed_on else None,
        "budgets": [
            {"year": row.year, "funder": row.funder, "amount": _money(row.amount)}
            for row in convention.budgets.order_by("year", "id")
        ],
        "money": {name: _money(value) for name, value in money_summary(convention).items()},
        "indicators": [
            {
                "code": row.code,
                "label": row.label,
                "year": row.year,
                "target": _money(row.target),
                "achieved": _money(row.achieved),
            }
            for row in indicator_table(convention)
        ],
    }


class ConventionListView(ApiView):
    """GET /api/v1/conventions/ — the conventions the caller may read, by number, paged by cursor."""

    allowed_roles = READERS

    @extend_schema(
        operation_id="conventions_list",
        summary="Lister les conventions (par numéro, pagination par curseur)",
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR, description="Le « next_cursor » de la page précédente."),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description=f"Conventions par page (1 à {MAX_LIMIT}, {DEFAULT_LIMIT} par défaut)."
            ),
        ],
        responses={200: ConventionPageSerializer, 400: ApiErrorSerializer, 403: ApiErrorSerializer},
    )
    def get(self, request):
        conventions = conventions_visible_to(request.user).prefetch_related("branches")
        raw_limit = request.query_params.get("limit", str(DEFAULT_LIMIT))
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
            return self.refusal({"limit": f"Indiquez un nombre de conventions par page entre 1 et {MAX_LIMIT}."})
        params = QueryDict(mutable=True)
        cursor = request.query_params.get("cursor", "")
        if cursor:
            order = sort_order(conventions.model, SORT_FIELDS, None, "numero")
            if len(cursor) > 200 or decode_cursor(cursor, order, conventions) is None:
                return self.refusal({"cursor": "Ce curseur n'a pas été donné par cette liste : repartez de la première page."})
            params["after"] = cursor
        page = keyset_page(params, conventions, sort_fields=SORT_FIELDS, default_sort="numero", per_page=int(raw_limit))
        rows = list(page)
        return Response(
            {
                "results": [summary(row) for row in rows],
                "next_cursor": encode_cursor(page.order, rows[-1]) if page.has_next and rows else None,
                "count": page.count,
                "count_is_capped": page.count_is_capped,
            }
        )


class ConventionDetailView(ApiView):
    """GET /api/v1/conventions/{id}/ — one convention the caller may read (404 otherwise)."""

    allowed_roles = READERS

    @extend_schema(
        operation_id="conventions_retrieve",
        summary="Lire une convention : budget, engagé, consommé, indicateurs",
        responses={200: ConventionDetailSerializer, 403: ApiErrorSerializer, 404: ApiErrorSerializer},
    )
    def get(self, request, pk: int):
        convention = conventions_visible_to(request.user).prefetch_related("branches").filter(pk=pk).first()
        if convention is None:
            return Response({"errors": {"id": "Convention introuvable."}}, status=404)
        return Response(detail(convention))
