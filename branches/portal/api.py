"""The branch's figures as JSON (GET /api/v1/branches/<id>/figures/?dimension=…): the same aggregates
as the page, masked below 5 for a representative, 404 outside their branch."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from branches.portal import facts
from branches.portal.selectors import figures_branch_or_404, masks_for
from branches.portal.views import MASKED, PORTAL_ROLES
from opco.api.views import ApiView


def _json(row: facts.Row) -> dict:
    if row.masked:
        return {"valeur": row.label, "contrats": MASKED, "ruptures": MASKED, "engage": MASKED, "paye": MASKED}
    return {
        "valeur": row.label,
        "contrats": row.contracts,
        "ruptures": MASKED if row.ruptures_masked else row.ruptures,
        "taux_rupture": None if row.ruptures_masked or row.rupture_rate is None else str(row.rupture_rate),
        "engage": str(row.committed),
        "paye": str(row.paid),
        "cout_moyen": None if row.average_cost is None else str(row.average_cost),
        "npec_moyen": None if row.average_npec is None else str(row.average_npec),
    }


class FigureRowSerializer(serializers.Serializer):
    valeur = serializers.CharField()
    contrats = serializers.CharField(help_text="un nombre, ou « < 5 » (secret statistique)")
    ruptures = serializers.CharField()
    taux_rupture = serializers.CharField(required=False, allow_null=True)
    engage = serializers.CharField()
    paye = serializers.CharField()
    cout_moyen = serializers.CharField(required=False, allow_null=True)
    npec_moyen = serializers.CharField(required=False, allow_null=True)


class BranchFiguresSerializer(serializers.Serializer):
    branche = serializers.CharField()
    dimension = serializers.CharField()
    lignes = FigureRowSerializer(many=True)
    total = FigureRowSerializer()


class BranchFiguresView(ApiView):
    allowed_roles = PORTAL_ROLES

    @extend_schema(
        summary="Chiffres agrégés d'une branche",
        description=(
            "Contrats conclus par dimension (month, year, certification, level, cfa, departement, region, kind), "
            "ruptures, montants engagés et payés. Un représentant voit sa branche seulement (404 sinon) ; un chiffre "
            "portant sur moins de 5 apprentis vaut « < 5 ». Aucune donnée personnelle."
        ),
        parameters=[OpenApiParameter("dimension", str, required=False, enum=list(facts.DIMENSIONS))],
        responses={
            200: BranchFiguresSerializer,
            400: OpenApiResponse(description="Dimension inconnue."),
            404: OpenApiResponse(description="Branche inconnue ou hors de votre périmètre."),
        },
    )
    def get(self, request, pk: int):
        branch = figures_branch_or_404(request.user, pk)
        dimension = request.query_params.get("dimension", "month")
        if dimension not in facts.DIMENSIONS:
            return self.refusal({"dimension": f"Dimension inconnue : choisissez parmi {', '.join(facts.DIMENSIONS)}."})
        rows = facts.figures_by(dimension, branch=branch)
        summary = facts.total(rows)
        if masks_for(request.user):
            facts.mask(rows)
            facts.mask([summary])
        return Response(
            {"branche": branch.code, "dimension": dimension, "lignes": [_json(r) for r in rows], "total": _json(summary)}
        )
