"""The advisors' dashboard: KPIs by advisor, team, branch and size band, with bars and exports."""

from io import BytesIO

from django import forms
from django.db.models import ExpressionWrapper, F, IntegerField
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts import roles
from accounts.enums import UserKind
from accounts.models import User
from branches.models import Branch
from opco import audit
from opco.access import allow
from opco.forms import StyledForm
from opco.lists import keyset_page, list_context, stream_csv
from sme_services.enums import SizeBand
from sme_services.kpis import LABELS, Scope, compute
from sme_services.models import AdvisorTeam


class DashboardForm(StyledForm):
    year = forms.IntegerField(label="Année", min_value=2019, max_value=2100, required=False)
    advisor = forms.ModelChoiceField(label="Conseiller", queryset=User.objects.filter(kind=UserKind.ADVISOR), required=False)
    team = forms.ModelChoiceField(label="Équipe", queryset=AdvisorTeam.objects.all(), required=False)
    branch = forms.ModelChoiceField(label="Branche", queryset=Branch.objects.all(), required=False)
    size_band = forms.ChoiceField(
        label="Tranche",
        required=False,
        choices=[
            ("", "Toutes"),
            (SizeBand.UNDER_11.value, SizeBand.UNDER_11.label),
            (SizeBand.FROM_11_TO_49.value, SizeBand.FROM_11_TO_49.label),
        ],
    )


@allow(roles.STAFF, roles.ADVISOR)
def dashboard(request):
    form = DashboardForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    year = data.get("year") or today.year
    advisor = request.user if roles.ADVISOR(request.user) else data.get("advisor")  # an advisor sees their own figures
    scope = Scope(
        advisor=advisor,
        team=None if roles.ADVISOR(request.user) else data.get("team"),
        branch=data.get("branch"),
        size_band=data.get("size_band") or "",
    )
    figures = compute(scope, year=year, today=today)
    rows = [(key, LABELS[key], value) for key, value in figures.items()]
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        audit.record(actor=request.user, action="export_dashboard", summary=f"Export du tableau de bord {year} ({fmt})")
        if fmt == "csv":
            return stream_csv(
                f"tableau-de-bord-{year}.csv", ["Indicateur", "Valeur"], iter([[label, value] for _, label, value in rows])
            )
        return xlsx_response(
            f"tableau-de-bord-{year}.xlsx", [("Indicateur", "Valeur"), *[(label, value) for _, label, value in rows]]
        )
    return render(request, "sme_services/dashboard.html", {"form": form, "rows": rows, "year": year, "scope": scope})


def xlsx_bytes(sheets: dict[str, list[tuple]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, lines in sheets.items():
        sheet = book.create_sheet(title[:31])
        for line in lines:
            sheet.append([float(v) if v is not None and not isinstance(v, (str, int)) else v for v in line])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(filename: str, lines: list[tuple]) -> HttpResponse:
    response = HttpResponse(
        xlsx_bytes({"Indicateurs": lines}), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@allow(roles.STAFF, roles.BRANCH_REP)
def branch_figures(request, pk: int):
    """A branch's aggregated figures (no company, no contact); another branch's representative gets 404."""
    from django.shortcuts import get_object_or_404

    from branches.selectors import branches_visible_to
    from sme_services.selectors import branch_figures as figures

    branch = get_object_or_404(branches_visible_to(request.user), pk=pk)
    return render(request, "sme_services/branch_figures.html", figures(request.user, branch))


@allow(roles.STAFF, roles.ADVISOR)
def reports(request):
    """The quarterly reports a user may read: managers all, an advisor those of their teams."""
    from sme_services.models import QuarterlyReport

    rows = QuarterlyReport.objects.select_related("team").defer("content")
    if roles.ADVISOR(request.user):
        rows = rows.filter(team__members=request.user)
    teams = AdvisorTeam.objects.all() if roles.RESPONSABLE(request.user) or roles.ADMINISTRATEUR(request.user) else []
    # The quarter as one key (year × 10 + quarter), so that the list pages by keyset on (key, id).
    rows = rows.annotate(period=ExpressionWrapper(F("year") * 10 + F("quarter"), output_field=IntegerField()))
    page = keyset_page(
        request.GET,
        rows,
        sort_fields={"trimestre": "period", "equipe": "team__name", "statut": "status"},
        default_sort="-trimestre",
    )
    return render(
        request,
        "sme_services/reports.html",
        {"reports": page, "teams": teams, "no_export": True, **list_context(page, target="", anchor="#reports")},
    )


@allow(roles.RESPONSABLE, roles.ADMINISTRATEUR)
def report_request(request):
    from django.contrib import messages
    from django.shortcuts import get_object_or_404, redirect

    from sme_services.services.reports import previous_quarter, quarterly_report_request

    if request.method == "POST":
        team = get_object_or_404(AdvisorTeam, pk=request.POST.get("team") or 0)
        year, quarter = previous_quarter(timezone.localdate())
        quarterly_report_request(team=team, year=year, quarter=quarter, actor=request.user)
        messages.success(request, "Rapport demandé : vous serez notifié quand il sera prêt.")
    return redirect("sme_services:reports")


@allow(roles.STAFF, roles.ADVISOR)
def report_download(request, pk: int):
    from django.http import Http404
    from django.shortcuts import get_object_or_404

    from sme_services.enums import ReportStatus
    from sme_services.models import QuarterlyReport

    rows = QuarterlyReport.objects.all()
    if roles.ADVISOR(request.user):
        rows = rows.filter(team__members=request.user)
    report = get_object_or_404(rows, pk=pk)
    if report.status != ReportStatus.DONE:
        raise Http404("Rapport pas encore prêt.")
    audit.record(actor=request.user, action="sme_report_download", target=report, summary=f"Téléchargement : {report}")
    response = HttpResponse(
        bytes(report.content), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="rapport-{report.team.pk}-{report.year}-T{report.quarter}.xlsx"'
    return response
