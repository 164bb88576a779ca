"""Screens of the conventions (staff read, finance and managers act, a branch representative reads the
conventions covering their branch), the yearly statements (staff), and the public transparency page
(no login: it reads the latest published snapshot only)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import roles
from conventions import reports, services, statement
from conventions.enums import ReportStatus, StatementStatus
from conventions.filtersets import ConventionFilter
from conventions.forms import (
    AmendForm,
    BudgetForm,
    ConventionForm,
    FunderPaymentForm,
    MatchForm,
    NpecRaiseForm,
    PartyForm,
    RateForm,
    SignForm,
    StatementForm,
    TargetForm,
)
from conventions.indicators import indicator_table
from conventions.models import ConventionVersion, FunderPayment
from conventions.selectors import conventions_visible_to, reports_visible_to, statements_visible_to
from conventions.transparency import current_snapshot
from opco import audit
from opco.access import allow
from opco.forms import add_service_errors
from opco.lists import FilteredListView, stream_csv
from payments.models import FundingLine

READERS = (roles.STAFF, roles.BRANCH_REP)
MANAGERS = (roles.FINANCE, roles.RESPONSABLE)


class ConventionList(FilteredListView):
    allowed_roles = READERS
    filterset_class = ConventionFilter
    template_name = "conventions/list.html"
    partial_template_name = "conventions/_table.html"
    page_title = "Conventions avec l'État et les régions"
    export_name = "conventions"
    # The sort whitelist (opco.lists): keyset pages on (key, id), « Plus de 10 000 résultats » past the cap.
    sort_fields = {
        "numero": "number",
        "intitule": "title",
        "nature": "kind",
        "financeur": "funder",
        "debut": "starts_on",
        "fin": "ends_on",
        "statut": "status",
    }
    default_sort = "-debut"
    export_columns = [
        ("Numéro", "number"),
        ("Intitulé", "title"),
        ("Nature", lambda c: c.get_kind_display()),
        ("Financeur", "funder"),
        ("Début", "starts_on"),
        ("Fin", "ends_on"),
        ("Statut", lambda c: c.get_status_display()),
        ("Version", "version"),
        ("De minimis", lambda c: "oui" if c.de_minimis else "non"),
        ("Branches", lambda c: "toutes" if c.all_branches else ", ".join(b.name for b in c.branches.all())),
    ]

    def base_queryset(self):
        return conventions_visible_to(self.request.user).prefetch_related("branches")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"can_manage": services.can_manage(self.request.user)}


def _convention(request, pk):
    return get_object_or_404(conventions_visible_to(request.user), pk=pk)


@allow(*READERS)
def detail(request, pk):
    convention = _convention(request, pk)
    manage = services.can_manage(request.user)
    context = {
        "convention": convention,
        "can_manage": manage,
        "parties": convention.parties.all(),
        "budgets": convention.budgets.all(),
        "rates": convention.rates.all(),
        "raises": convention.npec_raises.all(),
        "versions": convention.versions.select_related("created_by"),
        "money": services.money_summary(convention),
        "funder_payments": convention.funder_payments.all(),
        "indicators": indicator_table(convention),
        "deadlines": convention.deadlines.select_related("report"),
        "reports": convention.reports.select_related("prepared_by", "checked_by", "sent_by"),
        "lines": FundingLine.objects.filter(scope_key=convention.scope_key).select_related("company")[:200],
        "history": audit.history_of(convention)[:30] if roles.STAFF(request.user) else [],
    }
    if manage:
        draft = convention.status == "projet"
        context["forms"] = {
            "party": PartyForm(prefix="party") if draft else None,
            "budget": BudgetForm(prefix="budget") if draft else None,
            "rate": RateForm(prefix="rate") if draft else None,
            "npec_raise": NpecRaiseForm(prefix="npec_raise") if draft else None,
            "sign": SignForm(prefix="sign") if draft else None,
            "amend": AmendForm(prefix="amend") if convention.status == "signee" else None,
            "funder_payment": FunderPaymentForm(prefix="funder_payment"),
            "target": TargetForm(prefix="target"),
        }
        context["match_form"] = MatchForm(prefix="match")
    return render(request, "conventions/detail.html", context)


def _convention_fields(data) -> dict:
    fields = {name: value for name, value in data.items() if name != "branches"}
    return fields


@allow(*MANAGERS)
def create(request):
    form = ConventionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            convention = services.convention_create(actor=request.user, branches=data["branches"], **_convention_fields(data))
        except ValidationError as refusal:
            add_service_errors(form, refusal)
        else:
            messages.success(request, f"Convention {convention.number} créée en projet.")
            return redirect("conventions:detail", pk=convention.pk)
    return render(request, "conventions/form.html", {"form": form, "title": "Nouvelle convention"})


@allow(*MANAGERS)
def edit(request, pk):
    convention = _convention(request, pk)
    initial = {name: getattr(convention, name) for name in services.EDITABLE_FIELDS} | {"branches": convention.branches.all()}
    form = ConventionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.convention_update(
                actor=request.user, convention_id=convention.pk, branches=data["branches"], **_convention_fields(data)
            )
        except ValidationError as refusal:
            add_service_errors(form, refusal)
        else:
            messages.success(request, "Convention modifiée.")
            return redirect("conventions:detail", pk=convention.pk)
    return render(request, "conventions/form.html", {"form": form, "title": f"Modifier {convention}"})


def _amend(user, convention, data):
    changes = {name: data[name] for name in ("ends_on", "title", "max_hourly_cost") if data.get(name) not in (None, "")}
    budgets = [(data["budget_year"], data["budget_funder"], data["budget_amount"])] if data.get("budget_year") else []
    return services.convention_amend(
        actor=user,
        convention_id=convention.pk,
        signed_on=data["signed_on"],
        summary=data["summary"],
        changes=changes,
        budgets=budgets,
    )


# action → (form, prefix, service call, message)
ACTIONS = {
    "partie": (PartyForm, "party", lambda u, c, d: services.party_add(actor=u, convention_id=c.pk, **d), "Partie ajoutée."),
    "budget": (BudgetForm, "budget", lambda u, c, d: services.budget_set(actor=u, convention_id=c.pk, **d), "Budget enregistré."),
    "taux": (RateForm, "rate", lambda u, c, d: services.rate_set(actor=u, convention_id=c.pk, **d), "Taux enregistré."),
    "majoration": (
        NpecRaiseForm,
        "npec_raise",
        lambda u, c, d: services.npec_raise_add(actor=u, convention_id=c.pk, **d),
        "Majoration de NPEC enregistrée.",
    ),
    "signature": (
        SignForm,
        "sign",
        lambda u, c, d: services.convention_sign(actor=u, convention_id=c.pk, **d),
        "Convention signée.",
    ),
    "avenant": (AmendForm, "amend", _amend, "Avenant enregistré : nouvelle version de la convention."),
    "versement": (
        FunderPaymentForm,
        "funder_payment",
        lambda u, c, d: services.funder_payment_add(actor=u, convention_id=c.pk, **d),
        "Versement attendu enregistré.",
    ),
    "cible": (
        TargetForm,
        "target",
        lambda u, c, d: services.indicator_target_set(actor=u, convention_id=c.pk, **d),
        "Cible enregistrée.",
    ),
    "calendrier": (
        None,
        "",
        lambda u, c, d: services.reporting_calendar_plan(actor=u, convention_id=c.pk),
        "Calendrier des bilans planifié.",
    ),
    "cloture": (None, "", lambda u, c, d: services.convention_close(actor=u, convention_id=c.pk), "Convention close."),
}


def _refused(request, refusal: Exception) -> None:
    text = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
    messages.error(request, text)


@allow(*MANAGERS)
@require_POST
def act(request, pk, action):
    convention = _convention(request, pk)
    if action not in ACTIONS:
        raise Http404("Action inconnue.")
    form_class, prefix, call, done = ACTIONS[action]
    data = {}
    if form_class is not None:
        form = form_class(request.POST, prefix=prefix)
        if not form.is_valid():
            messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
            return redirect("conventions:detail", pk=convention.pk)
        data = form.cleaned_data
    try:
        call(request.user, convention, data)
    except (ValidationError, PermissionDenied) as refusal:
        _refused(request, refusal)
    else:
        messages.success(request, done)
    return redirect("conventions:detail", pk=convention.pk)


@allow(*MANAGERS)
@require_POST
def match(request, pk):
    payment = get_object_or_404(FunderPayment.objects.filter(convention__in=conventions_visible_to(request.user)), pk=pk)
    form = MatchForm(request.POST, prefix="match")
    if not form.is_valid():
        messages.error(request, "Indiquez la date, le montant et la référence du relevé.")
    else:
        try:
            services.funder_payment_match(actor=request.user, payment_id=payment.pk, **form.cleaned_data)
        except ValidationError as refusal:
            _refused(request, refusal)
        else:
            messages.success(request, "Versement rapproché du relevé bancaire.")
    return redirect("conventions:detail", pk=payment.convention_id)


@allow(*READERS)
def version(request, pk):
    row = get_object_or_404(ConventionVersion.objects.filter(convention__in=conventions_visible_to(request.user)), pk=pk)
    return render(request, "conventions/version.html", {"version": row, "convention": row.convention, "terms": row.terms})


# --- Reports to the funder ------------------------------------------------------------------------
@allow(*MANAGERS)
@require_POST
def report_prepare(request, pk):
    convention = _convention(request, pk)
    deadline = request.POST.get("deadline")
    try:
        report = reports.report_prepare(
            actor=request.user, convention_id=convention.pk, deadline_id=int(deadline) if deadline else None
        )
    except (ValidationError, ValueError) as refusal:
        _refused(request, refusal)
        return redirect("conventions:detail", pk=convention.pk)
    messages.success(request, "Bilan préparé : il attend la vérification d'une autre personne.")
    return redirect("conventions:report", pk=report.pk)


@allow(*READERS)
def report_detail(request, pk):
    report = get_object_or_404(reports_visible_to(request.user), pk=pk)
    return render(
        request,
        "conventions/report.html",
        {
            "report": report,
            "can_manage": services.can_manage(request.user),
            "history": audit.history_of(report),
            "statuses": ReportStatus,
        },
    )


@allow(*MANAGERS)
@require_POST
def report_step(request, pk, step):
    report = get_object_or_404(reports_visible_to(request.user), pk=pk)
    service = {"verifier": reports.report_check, "envoyer": reports.report_send}.get(step)
    if service is None:
        raise Http404("Étape inconnue.")
    try:
        service(actor=request.user, report_id=report.pk)
    except ValidationError as refusal:
        _refused(request, refusal)
    else:
        messages.success(request, "Bilan vérifié." if step == "verifier" else "Bilan envoyé au financeur.")
    return redirect("conventions:report", pk=report.pk)


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@allow(*READERS)
def report_document(request, pk, fmt):
    report = get_object_or_404(reports_visible_to(request.user), pk=pk)
    name = f"bilan-{report.convention.number}-{report.period_start:%Y%m%d}"
    audit.record(
        actor=request.user, action="conventions.report_downloaded", target=report, summary=f"{report} téléchargé ({fmt})"
    )
    if fmt == "xlsx":
        return _download(reports.report_xlsx(report), f"{name}.xlsx", XLSX)
    if fmt == "pdf":
        return _download(reports.report_pdf(report), f"{name}.pdf", "application/pdf")
    raise Http404("Format inconnu.")


# --- Yearly statements (R6332-31) -----------------------------------------------------------------
@allow(roles.STAFF)
def statements(request):
    form = StatementForm(request.POST or None)
    if request.method == "POST":
        if not services.can_manage(request.user):
            raise PermissionDenied("Seuls le service financier et les responsables établissent l'état annuel.")
        if form.is_valid():
            try:
                row = statement.statement_compute(actor=request.user, year=form.cleaned_data["year"])
            except ValidationError as refusal:
                _refused(request, refusal)
            else:
                messages.success(request, f"{row} calculé : il attend la vérification d'une autre personne.")
                return redirect("conventions:statement", pk=row.pk)
    return render(
        request,
        "conventions/statements.html",
        {"statements": statements_visible_to(request.user), "form": form, "can_manage": services.can_manage(request.user)},
    )


@allow(roles.STAFF)
def statement_detail(request, pk):
    row = get_object_or_404(statements_visible_to(request.user), pk=pk)
    return render(
        request,
        "conventions/statement.html",
        {
            "statement": row,
            "figures": row.figures,
            "locked": row.status == StatementStatus.LOCKED,
            "can_manage": services.can_manage(request.user),
        },
    )


@allow(*MANAGERS)
@require_POST
def statement_action(request, pk, step):
    row = get_object_or_404(statements_visible_to(request.user), pk=pk)
    try:
        if step == "verrouiller":
            statement.statement_lock(actor=request.user, statement_id=row.pk)
            messages.success(request, f"{row} verrouillé : il ne changera plus.")
        elif step == "recalculer":
            statement.statement_compute(actor=request.user, year=row.year)
            messages.success(request, f"{row} recalculé.")
        else:
            raise Http404("Étape inconnue.")
    except ValidationError as refusal:
        _refused(request, refusal)
    return redirect("conventions:statement", pk=row.pk)


@allow(roles.STAFF)
def statement_xlsx(request, pk):
    row = get_object_or_404(statements_visible_to(request.user), pk=pk)
    audit.record(actor=request.user, action="conventions.statement_downloaded", target=row, summary=f"{row} téléchargé")
    return _download(statement.statement_xlsx(row), f"etat-annuel-{row.year}.xlsx", XLSX)


# --- The public transparency page (R6332-23) --------------------------------------------------------
def _snapshot_or_404(request, *, with_csv: bool = True):
    publication_id = request.GET.get("publication")
    if publication_id is not None and not publication_id.isdigit():
        raise Http404("Publication inconnue.")
    snapshot = current_snapshot(int(publication_id) if publication_id else None, with_csv=with_csv)
    if snapshot is None and publication_id:
        raise Http404("Publication inconnue.")
    return snapshot


@login_not_required
def transparency(request):
    snapshot = _snapshot_or_404(request, with_csv=False)
    # The first rows only: a section's full rows (30 000 NPECs) are decoded by its CSV, never by the page.
    sections = list(snapshot.sections.defer("rows")) if snapshot is not None else []
    return render(request, "conventions/transparency.html", {"snapshot": snapshot, "sections": sections})


@login_not_required
def transparency_bodies_csv(request):
    snapshot = _snapshot_or_404(request)
    if snapshot is None:
        raise Http404("La page de transparence n'a pas encore été publiée.")
    response = HttpResponse("\ufeff" + snapshot.csv, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="organismes-finances-{snapshot.built_at:%Y%m%d}.csv"'
    return response


@login_not_required
def transparency_section_csv(request, key):
    snapshot = _snapshot_or_404(request, with_csv=False)
    section = snapshot.sections.filter(key=key).first() if snapshot is not None else None
    if section is None:
        raise Http404("Rubrique inconnue.")
    return stream_csv(f"transparence-{key}-{snapshot.built_at:%Y%m%d}.csv", section.columns, iter(section.rows))
