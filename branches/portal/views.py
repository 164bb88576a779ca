"""The branch's figures page and the D6332-78 III count per certification × CPNE."""

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts import roles
from branches.branch_page import BRANCH_PANELS
from branches.models import BranchMembership
from branches.portal import facts, people
from branches.portal.charts import bar_chart
from branches.portal.exports import table_response
from branches.portal.models import DashboardVisit
from branches.portal.pdf import figures_pdf
from branches.portal.selectors import figures_branch_or_404, figures_branches, masks_for
from branches.portal.services import feedback_record, visit_log
from opco.access import allow
from opco.forms import DateWidget, StyledForm, add_service_errors

PORTAL_ROLES = (roles.STAFF, roles.BRANCH_REP)
WHOLE_DIMENSIONS = ("month", "year", "level", "kind", "region")  # short by nature: shown whole
SHOWN_ROWS = 25
MASKED = "< 5"
HEADER = [
    "Valeur",
    "Contrats",
    "Ruptures",
    "Taux de rupture (%)",
    "Engagé (€)",
    "Payé (€)",
    "Coût moyen engagé (€)",
    "NPEC moyen (€)",
]


class _Period(StyledForm):
    """A form with a `start` and an `end` date: the end may not precede the start."""

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("La fin de la période précède son début.")
        return data


class PeriodForm(_Period):
    start = forms.DateField(label="Conclus à partir du", required=False, widget=DateWidget)
    end = forms.DateField(label="jusqu'au", required=False, widget=DateWidget)
    kind = forms.ChoiceField(label="Nature", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Toutes"), *facts.kind_choices()]


def _cells(row: facts.Row) -> list:
    if row.masked:
        return [row.label, MASKED, MASKED, MASKED, MASKED, MASKED, MASKED, MASKED]
    ruptures = MASKED if row.ruptures_masked else row.ruptures
    rate = MASKED if row.ruptures_masked else row.rupture_rate
    return [row.label, row.contracts, ruptures, rate, row.committed, row.paid, row.average_cost, row.average_npec]


def _period(request):
    form = PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return form, data.get("start"), data.get("end"), [data["kind"]] if data.get("kind") else None
    return form, None, None, None


@allow(*PORTAL_ROLES)
def branch_figures(request, pk: int):
    branch = figures_branch_or_404(request.user, pk)
    form, start, end, kinds = _period(request)
    masked = masks_for(request.user)
    wanted = request.GET.get("export")
    if wanted:
        if wanted not in facts.DIMENSIONS or request.GET.get("format") not in ("csv", "xlsx"):
            raise Http404("Export inconnu.")
        rows = facts.figures_by(wanted, branch=branch, start=start, end=end, kinds=kinds)
        rows = facts.mask(rows) if masked else rows
        body = [_cells(r) for r in rows] + [_cells(facts.mask([facts.total(rows)])[0] if masked else facts.total(rows))]
        header = [facts.DIMENSIONS[wanted], *HEADER[1:]]
        return table_response(request.GET["format"], f"chiffres-{branch.code}-{wanted}", header, body)
    sections = []
    every = facts.figures_all(branch=branch, start=start, end=end, kinds=kinds)
    for code, label in facts.DIMENSIONS.items():
        rows = every[code]
        summary = facts.total(rows)
        if masked:
            facts.mask(rows)
            facts.mask([summary])
        chart_rows = rows if code in ("month", "year", "level") else rows[:15]
        chart = bar_chart(
            [(r.label, None if r.masked else r.contracts) for r in chart_rows], title=f"Contrats par {label.lower()}"
        )
        cells = [_cells(r) for r in rows]
        # The page shows the largest rows of the long dimensions (certifications, CFA, départements: hundreds
        # of rows at 1 000 000 files, most of the page's time); the PDF and the exports hold every row.
        shown = cells if code in WHOLE_DIMENSIONS else cells[:SHOWN_ROWS]
        sections.append(
            {
                "code": code,
                "label": label,
                "rows": cells,
                "shown": shown,
                "hidden": len(cells) - len(shown),
                "total": _cells(summary),
                "chart": chart,
            }
        )
    summary = sections[0]["total"]
    if request.GET.get("format") == "pdf":
        period = f"Conclus du {start:%d/%m/%Y}" if start else "Depuis le premier contrat"
        period += f" au {end:%d/%m/%Y}" if end else " à ce jour"
        pdf = figures_pdf(branch=branch, sections=sections, header=HEADER, masked=masked, period=period)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="chiffres-{branch.code}.pdf"'
        return response
    visit_log(user=request.user, page="chiffres", branch=branch)
    context = {
        "branch": branch,
        "form": form,
        "sections": sections,
        "summary": summary,
        "masked": masked,
        "header": HEADER,
        "panels": BRANCH_PANELS.render(request, branch=branch),
        "query": request.GET.urlencode(),
        "feedback_page": "chiffres",
        "is_admin": people.may_manage_people(request.user, branch),
    }
    return render(request, "branches/portal/figures.html", context)


class CountForm(_Period):
    start = forms.DateField(label="Conclus du", widget=DateWidget)
    end = forms.DateField(label="au (inclus)", widget=DateWidget)
    branch = forms.ModelChoiceField(label="Branche", required=False, queryset=None, empty_label="Toutes (OPCO)")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = figures_branches(user)
        if not roles.STAFF(user):
            self.fields["branch"].required = True
            self.fields["branch"].empty_label = None


COUNT_HEADER = ["Code certification", "Intitulé certification", "Code CPNE", "Contrats"]


@allow(*PORTAL_ROLES)
def cpne_counts(request):
    """D6332-78 III: apprenticeship contracts concluded per certification × CPNE (first and last day included)."""
    data = request.GET.copy()
    if not roles.STAFF(request.user) and "branch" not in data:
        first = figures_branches(request.user).first()
        if first is not None:
            data["branch"] = str(first.pk)
    form = CountForm(data if "start" in request.GET else None, user=request.user)
    rows = []
    if form.is_bound and form.is_valid():
        branch = form.cleaned_data["branch"]
        if branch is None and not roles.STAFF(request.user):
            raise Http404
        rows = facts.cpne_counts(start=form.cleaned_data["start"], end=form.cleaned_data["end"], branch=branch)
        masked = masks_for(request.user)
        for row in rows:
            row["masked"] = masked and 0 < row["contracts"] < facts.SECRECY_THRESHOLD
        fmt = request.GET.get("format")
        if fmt in ("csv", "xlsx"):
            body = [[r["code"], r["title"], r["cpne"], MASKED if r["masked"] else r["contracts"]] for r in rows]
            name = f"contrats-par-certification-cpne-{form.cleaned_data['start']:%Y%m%d}-{form.cleaned_data['end']:%Y%m%d}"
            return table_response(fmt, name, COUNT_HEADER, body)
    visit_log(user=request.user, page="comptage_cpne", branch=None)
    context = {
        "form": form,
        "rows": rows,
        "query": request.GET.urlencode(),
        "feedback_page": "comptage_cpne",
        "today": date.today(),
    }
    return render(request, "branches/portal/cpne_counts.html", context)


# --- The branch's people, and the feedback of every page ---------------------------------------------
class InviteForm(StyledForm):
    email = forms.EmailField(label="Adresse électronique")
    first_name = forms.CharField(label="Prénom", max_length=150, required=False)
    last_name = forms.CharField(label="Nom", max_length=150, required=False)
    is_admin = forms.BooleanField(label="Administrateur de la branche (OPCO seulement)", required=False)


@allow(*PORTAL_ROLES)
@require_http_methods(["GET", "POST"])
def members(request, pk: int):
    branch = figures_branch_or_404(request.user, pk)
    if not people.may_manage_people(request.user, branch):
        raise PermissionDenied("Seuls l'administrateur de la branche et l'OPCO gèrent ses membres.")
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        if "remove" in request.POST:
            membership = get_object_or_404(BranchMembership, pk=request.POST["remove"], branch=branch)
            try:
                people.member_remove(actor=request.user, membership=membership)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, "Membre retiré.")
            return redirect("branches:members", pk=branch.pk)
        if form.is_valid():
            try:
                people.member_invite(
                    actor=request.user,
                    branch=branch,
                    login_url=request.build_absolute_uri(reverse("account_login")),
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Invitation envoyée à {form.cleaned_data['email']}.")
                return redirect("branches:members", pk=branch.pk)
    visits = DashboardVisit.objects.filter(
        Q(branch=branch) | Q(branch__isnull=True, user__branch_memberships__branch=branch)
    ).select_related("user")[:50]
    context = {
        "branch": branch,
        "memberships": branch.memberships.select_related("user").order_by("user__email"),
        "form": form,
        "visits": visits,
        "feedback_page": "membres",
    }
    return render(request, "branches/portal/members.html", context)


@allow(*PORTAL_ROLES)
@require_POST
def feedback(request):
    try:
        useful = int(request.POST.get("useful", ""))
        feedback_record(
            actor=request.user, page=request.POST.get("page", ""), useful=useful, comment=request.POST.get("comment", "")[:2000]
        )
    except (ValueError, ValidationError):
        messages.error(request, "Avis non enregistré : choisissez une note de 1 à 5.")
    else:
        messages.success(request, "Merci pour votre avis.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = reverse("home")
    return redirect(target)
