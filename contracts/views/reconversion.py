"""The screens of the périodes de reconversion and of the Pro-A stock: list (filters, CSV export),
deposit form, detail page with its actions and history, the yearly dashboard (D6332-90 II average
ceiling, D6332-89-1 external floor, overdue decisions), and the Pro-A amendments (read under their
old rules).

Rows come from `periods_visible_to` / `pro_a_visible_to` (a branch representative sees the periods of
their branch, an advisor those of their portfolio, another period is a 404); every write is staff's
(403 for the read-only roles) and goes through `contracts.reconversion`'s services.
"""

from datetime import date

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts import roles
from contracts.forms.reconversion import ACTION_FORMS, ProAAmendmentForm, ReconversionDepositForm
from contracts.models.reconversion import (
    ProAAmendment,
    ReconversionKind,
    ReconversionPeriod,
    ReconversionStatus,
    ReconversionTarget,
)
from contracts.reconversion.dashboard import overdue, simulate_acceptance, status_counts, year_figures
from contracts.reconversion.payability import payment_due
from contracts.reconversion.pro_a import pro_a_checks
from contracts.reconversion.rules import (
    AVERAGE_CEILING,
    AWAITING_DECISION,
    EXTERNAL_FLOOR_PCT,
    ReconversionRefused,
    rule_context,
    run_rules,
)
from contracts.reconversion.selectors import can_instruct, periods_visible_to, pro_a_visible_to
from contracts.reconversion.services import (
    ACTIONS,
    DEPOSIT_FIELDS,
    available_actions,
    interruption_reported_late,
    reconversion_accept,
    reconversion_deposit,
    reconversion_documents_received,
    reconversion_end,
    reconversion_instruct,
    reconversion_interrupt,
    reconversion_refuse,
    reconversion_request_documents,
    reconversion_start,
)
from opco import audit
from opco.access import allow
from opco.api.views import ApiView
from opco.checks import CheckStatus
from opco.forms import DateWidget
from opco.lists import FilteredListView
from opco.money import euros
from opco.search import words
from opco.workflow import transitions_of
from payments.budgets import can_overrun
from payments.enums import ScheduleStatus
from referentials.validators import normalize_identifier

READERS = roles.FILE_READERS


# --- List --------------------------------------------------------------------------------------------
class ReconversionFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(label="N° de dossier ou salarié", method="filter_search")
    status = django_filters.ChoiceFilter(label="Statut", choices=ReconversionStatus.choices, empty_label="Tous")
    kind = django_filters.ChoiceFilter(label="Nature", choices=ReconversionKind.choices, empty_label="Toutes")
    target = django_filters.ChoiceFilter(label="Objectif", choices=ReconversionTarget.choices, empty_label="Tous")
    employer_siret = django_filters.CharFilter(label="SIRET employeur", method="filter_siret")
    received_from = django_filters.DateFilter(
        label="Reçue à partir du", field_name="received_on", lookup_expr="gte", widget=DateWidget()
    )
    received_to = django_filters.DateFilter(
        label="Reçue jusqu'au", field_name="received_on", lookup_expr="lte", widget=DateWidget()
    )
    overdue = django_filters.BooleanFilter(label="Décision en retard", method="filter_overdue", widget=forms.CheckboxInput)

    class Meta:
        model = ReconversionPeriod
        fields = ["search", "status", "kind", "target", "employer_siret", "received_from", "received_to", "overdue"]

    def filter_search(self, queryset, name, value):
        text = value.strip()
        return queryset.filter(Q(file_number__iexact=text) | words(text, ("employee_last_name", "employer_name")))

    def filter_siret(self, queryset, name, value):
        return queryset.filter(employer_siret=normalize_identifier(value))

    def filter_overdue(self, queryset, name, value):
        return overdue(queryset) if value else queryset


EXPORT_COLUMNS = [
    ("N° de dossier", "file_number"),
    ("Statut", lambda p: p.get_status_display()),
    ("Nature", lambda p: "externe" if p.kind == ReconversionKind.EXTERNAL else "interne"),
    ("Nom du salarié", "employee_last_name"),
    ("Prénom du salarié", "employee_first_name"),
    ("SIRET employeur", "employer_siret"),
    ("Employeur", "employer_name"),
    ("IDCC", "employer_idcc"),
    ("Objectif", lambda p: p.get_target_display()),
    ("Code", "target_code"),
    ("SIRET organisme", "provider_siret"),
    ("Heures", "training_hours"),
    ("Début", "start_date"),
    ("Fin", "end_date"),
    ("Accord de branche", lambda p: "oui" if p.branch_agreement else "non"),
    ("Accord d'entreprise", lambda p: "oui" if p.company_agreement else "non"),
    ("Reçue le", "received_on"),
    ("Décision due le", lambda p: p.decision_due_on or ""),
    ("Décidée le", lambda p: p.decided_on or ""),
    ("Montant engagé", lambda p: "" if p.committed_amount is None else p.committed_amount),
    ("Gestionnaire", lambda p: str(p.assigned_to) if p.assigned_to_id else ""),
]


class ReconversionListView(FilteredListView):
    allowed_roles = READERS
    filterset_class = ReconversionFilter
    template_name = "contracts/reconversion/list.html"
    partial_template_name = "contracts/reconversion/_table.html"
    page_title = "Périodes de reconversion"
    export_name = "periodes-reconversion"
    sort_fields = {
        "dossier": "file_number",
        "statut": "status",
        "nature": "kind",
        "salarie": "employee_last_name",
        "employeur": "employer_name",
        "objectif": "target",
        "heures": "training_hours",
        "debut": "start_date",
        "recu": "received_on",
        "echeance": "decision_due_on",
        "engage": "committed_amount",
    }
    default_sort = "-recu"
    export_columns = EXPORT_COLUMNS

    def base_queryset(self):
        return periods_visible_to(self.request.user).select_related("assigned_to").order_by("-received_on", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_instruct"] = can_instruct(self.request.user)
        context["today"] = timezone.localdate()
        context["awaiting"] = AWAITING_DECISION
        return context


# --- Deposit -----------------------------------------------------------------------------------------
@allow(roles.STAFF)
@require_http_methods(["GET", "POST"])
def reconversion_new(request):
    form = ReconversionDepositForm(request.POST or None, prefix="period")
    if request.method == "POST" and form.is_valid():
        period = form.deposit(request.user)
        if period is not None:
            messages.success(
                request,
                f"Demande {period.file_number} enregistrée : décision due le {period.decision_due_on:%d/%m/%Y} (R6324-2).",
            )
            return redirect("reconversions:detail", pk=period.pk)
        messages.error(
            request,
            "Demande non enregistrée"
            + (f" ({', '.join(form.refused_codes)})" if form.refused_codes else "")
            + " : corrigez les champs signalés.",
        )
    return render(request, "contracts/reconversion/new.html", {"form": form})


# --- Detail ------------------------------------------------------------------------------------------
def _payment_rows(period: ReconversionPeriod) -> list[dict]:
    rows = []
    for payment in period.payments.order_by("due_date", "id"):
        condition = ""
        if payment.status == ScheduleStatus.PLANNED:
            due, waiting = payment_due(payment, period)
            condition = f"En attente : {waiting}" if due is None else f"Payable à partir du {due:%d/%m/%Y}"
        rows.append({"payment": payment, "condition": condition, "superseded": payment.status == ScheduleStatus.SUPERSEDED})
    return rows


def _actions(request, period: ReconversionPeriod, bound: dict | None = None) -> list[dict]:
    actions = []
    for action in available_actions(period):
        form_class = ACTION_FORMS.get(action.code)
        form = None
        if form_class is not None:
            form = (bound or {}).get(action.code) or form_class(prefix=action.code, initial=_initial(action.code, period))
            if action.code == "accept" and not can_overrun(request.user):
                form.fields.pop("allow_overrun", None)
        actions.append(
            {"code": action.code, "label": action.label, "form": form, "danger": action.code in ("refuse", "interrupt")}
        )
    return actions


def _initial(code: str, period: ReconversionPeriod) -> dict:
    today = timezone.localdate()
    if code == "start":
        return {"started_on": min(period.start_date, today), "invoice_received_on": today}
    if code == "end":
        return {"ended_on": min(period.end_date, today), "completion_attested_on": today}
    if code == "interrupt":
        return {"reported_on": today}
    if code == "refuse":
        report = run_rules(period, rule_context(period))
        return {"codes": [check.code for check in report.checks if check.status == CheckStatus.ERROR]}
    return {}


@allow(*READERS)
def reconversion_detail(request, pk: int):
    period = get_object_or_404(periods_visible_to(request.user).select_related("assigned_to", "provider", "employer"), pk=pk)
    staff = can_instruct(request.user)
    report = run_rules(period, rule_context(period))
    context = {
        "period": period,
        "report": report,
        "payments": _payment_rows(period),
        "history": audit.history_of(period)[:200],
        "transitions": transitions_of(period),
        "can_instruct": staff,
        "late_report": interruption_reported_late(period),
        "overdue": period.status in AWAITING_DECISION
        and period.decision_due_on is not None
        and period.decision_due_on < timezone.localdate(),
    }
    if staff:
        context["actions"] = _actions(request, period)
        if period.status in (*AWAITING_DECISION, ReconversionStatus.INCOMPLETE):
            context["simulation"] = _simulation(period)
    return render(request, "contracts/reconversion/detail.html", context)


def _simulation(period: ReconversionPeriod) -> dict:
    """The year's figures before and « after this file » (the average ceiling of D6332-90 II)."""
    today = timezone.localdate()
    before = year_figures(ReconversionPeriod.objects.all(), today.year, today=today)
    after = simulate_acceptance(period, before)
    return {"before": before, "after": after.figures, "funding": after.funding, "ceiling": AVERAGE_CEILING}


def _run_action(code: str, actor, period: ReconversionPeriod, data: dict) -> str:
    if code == "instruct":
        reconversion_instruct(actor=actor, period_id=period.pk)
        return "Demande prise en instruction."
    if code == "request_documents":
        reconversion_request_documents(actor=actor, period_id=period.pk, message=data["message"])
        return "Demande déclarée incomplète : le délai de décision repartira à la réception des pièces."
    if code == "documents_received":
        done = reconversion_documents_received(actor=actor, period_id=period.pk, on=data.get("on"))
        return f"Dossier complet : décision due le {done.decision_due_on:%d/%m/%Y}."
    if code == "accept":
        done = reconversion_accept(actor=actor, period_id=period.pk, allow_overrun=data.get("allow_overrun", False))
        return f"Prise en charge accordée : {euros(done.committed_amount)} engagés."
    if code == "refuse":
        reconversion_refuse(actor=actor, period_id=period.pk, codes=data["codes"], text=data["text"])
        return "Prise en charge refusée : décision motivée enregistrée."
    if code == "start":
        reconversion_start(
            actor=actor, period_id=period.pk, started_on=data["started_on"], invoice_received_on=data["invoice_received_on"]
        )
        return "Début de la formation enregistré."
    if code == "end":
        reconversion_end(
            actor=actor, period_id=period.pk, ended_on=data["ended_on"], completion_attested_on=data["completion_attested_on"]
        )
        return "Fin de la formation enregistrée."
    if code == "interrupt":
        done = reconversion_interrupt(
            actor=actor,
            period_id=period.pk,
            interrupted_on=data["interrupted_on"],
            reported_on=data.get("reported_on"),
            reason=data["reason"],
        )
        late = " — signalée hors du délai de 30 jours (R6324-5)" if interruption_reported_late(done) else ""
        return f"Interruption enregistrée{late}."
    raise Http404("Action inconnue.")


@allow(*READERS)
@require_POST
def reconversion_action(request, pk: int, action: str):
    period = get_object_or_404(periods_visible_to(request.user), pk=pk)
    if not can_instruct(request.user):
        raise PermissionDenied("Votre rôle donne accès à la période en lecture seule.")
    if action not in ACTIONS:
        raise Http404("Action inconnue.")
    data = {}
    form_class = ACTION_FORMS.get(action)
    if form_class is not None:
        form = form_class(request.POST, prefix=action)
        if action == "accept" and not can_overrun(request.user):
            form.fields.pop("allow_overrun", None)
        if not form.is_valid():
            errors = "; ".join(
                f"{form.fields[k].label if k in form.fields else ''} : {' '.join(v)}" for k, v in form.errors.items()
            )
            messages.error(request, f"Action non enregistrée — {errors}")
            return redirect("reconversions:detail", pk=period.pk)
        data = form.cleaned_data
    try:
        message = _run_action(action, request.user, period, data)
    except ValidationError as exc:
        messages.error(request, f"Action refusée : {' '.join(exc.messages)}")
    else:
        messages.success(request, message)
    return redirect("reconversions:detail", pk=period.pk)


# --- Dashboard ---------------------------------------------------------------------------------------
def _year(request, today: date) -> int:
    try:
        year = int(request.GET.get("annee", today.year))
    except ValueError:
        return today.year
    return year if 2026 <= year <= today.year + 1 else today.year


@allow(roles.STAFF)
def reconversion_dashboard(request):
    today = timezone.localdate()
    year = _year(request, today)
    reallocated = request.GET.get("reallocation") == "1"
    periods = ReconversionPeriod.objects.all()
    figures = year_figures(periods, year, reallocated=reallocated, today=today)
    context = {
        "year": year,
        "years": list(range(2026, today.year + 2)),
        "figures": figures,
        "reallocated": reallocated,
        "ceiling": AVERAGE_CEILING,
        "floor": EXTERNAL_FLOOR_PCT,
        "q4_started": today >= date(year, 10, 1),
        "statuses": status_counts(periods, year),
        "overdue": overdue(periods, today).select_related("assigned_to")[:100],
        "today": today,
    }
    return render(request, "contracts/reconversion/dashboard.html", context)


# --- Pro-A stock -------------------------------------------------------------------------------------
class ProAFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(label="N° de dossier ou salarié", method="filter_search")
    employer_siret = django_filters.CharFilter(label="SIRET employeur", method="filter_siret")
    signed_from = django_filters.DateFilter(
        label="Conclu à partir du", field_name="signed_on", lookup_expr="gte", widget=DateWidget()
    )
    signed_to = django_filters.DateFilter(label="Conclu jusqu'au", field_name="signed_on", lookup_expr="lte", widget=DateWidget())

    class Meta:
        model = ProAAmendment
        fields = ["search", "employer_siret", "signed_from", "signed_to"]

    def filter_search(self, queryset, name, value):
        text = value.strip()
        return queryset.filter(Q(file_number__iexact=text) | words(text, ("employee_last_name",)) | Q(deposit_reference=text))

    def filter_siret(self, queryset, name, value):
        return queryset.filter(employer_siret=normalize_identifier(value))


PRO_A_EXPORT_COLUMNS = [
    ("N° de dossier", "file_number"),
    ("N° de dépôt d'origine", "deposit_reference"),
    ("Conclu le", "signed_on"),
    ("SIRET employeur", "employer_siret"),
    ("Employeur", "employer_name"),
    ("Nom du salarié", "employee_last_name"),
    ("Prénom du salarié", "employee_first_name"),
    ("Certification", "certification_code"),
    ("Début", "start_date"),
    ("Fin", "end_date"),
    ("Heures de formation", "training_hours"),
    ("Prise en charge", "funding_amount"),
]


class ProAListView(FilteredListView):
    allowed_roles = READERS
    filterset_class = ProAFilter
    template_name = "contracts/reconversion/pro_a_list.html"
    partial_template_name = "contracts/reconversion/_pro_a_table.html"
    page_title = "Stock Pro-A (avenants conclus avant le 1er janvier 2026)"
    export_name = "stock-pro-a"
    sort_fields = {
        "dossier": "file_number",
        "conclu": "signed_on",
        "salarie": "employee_last_name",
        "employeur": "employer_name",
        "certification": "certification_code",
        "debut": "start_date",
        "heures": "training_hours",
        "montant": "funding_amount",
    }
    default_sort = "-conclu"
    export_columns = PRO_A_EXPORT_COLUMNS

    def base_queryset(self):
        return pro_a_visible_to(self.request.user).order_by("-signed_on", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_instruct"] = can_instruct(self.request.user)
        return context


@allow(*READERS)
def pro_a_detail(request, pk: int):
    amendment = get_object_or_404(pro_a_visible_to(request.user).select_related("recorded_by"), pk=pk)
    return render(
        request,
        "contracts/reconversion/pro_a_detail.html",
        {"amendment": amendment, "report": pro_a_checks(amendment), "history": audit.history_of(amendment)[:100]},
    )


@allow(roles.STAFF)
@require_http_methods(["GET", "POST"])
def pro_a_new(request):
    form = ProAAmendmentForm(request.POST or None, prefix="pro_a")
    if request.method == "POST" and form.is_valid():
        amendment = form.record(request.user)
        if amendment is not None:
            messages.success(request, f"Avenant Pro-A {amendment.file_number} enregistré dans le stock.")
            return redirect("reconversions:pro_a_detail", pk=amendment.pk)
        messages.error(request, "Avenant non enregistré : corrigez les champs signalés.")
    return render(request, "contracts/reconversion/pro_a_new.html", {"form": form})


# --- API: POST /api/v1/reconversions/ ----------------------------------------------------------------
class ReconversionInputSerializer(serializers.ModelSerializer):
    """Types only (dates, decimals, choices); the rules are the service's (`reconversion_deposit`)."""

    received_on = serializers.DateField(required=False, help_text="Date de réception ; aujourd'hui si absente.")

    class Meta:
        model = ReconversionPeriod
        fields = [*DEPOSIT_FIELDS, "received_on"]
        extra_kwargs = {name: {"validators": []} for name in DEPOSIT_FIELDS}


class ReconversionDepositAnswerSerializer(serializers.Serializer):
    file_number = serializers.CharField()
    status = serializers.CharField()
    decision_due_on = serializers.DateField()
    checks = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))


class ReconversionRefusalSerializer(serializers.Serializer):
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    codes = serializers.ListField(child=serializers.CharField(), help_text="Codes des règles méconnues (RECO_…).")


class ReconversionDepositView(ApiView):
    """Deposits a request of période de reconversion (staff): 201 with its file number, or 400 naming
    each field and the codes of the rules in error; nothing is stored then."""

    allowed_roles = (roles.STAFF,)

    def refusal(self, errors: dict[str, str]) -> Response:
        """An unreadable body in this endpoint's documented shape (messages as lists, no rule codes)."""
        return Response({"errors": {field: [message] for field, message in errors.items()}, "codes": []}, status=400)

    @extend_schema(
        summary="Déposer une demande de période de reconversion",
        description=(
            "Enregistre la demande (R6324-1) et ouvre le délai de décision de 20 jours (R6324-2). Une demande qui "
            "méconnaît une règle (RECO_HEURES, RECO_DUREE, RECO_DEPOT…) répond 400 avec ses codes, et rien n'est enregistré."
        ),
        request=ReconversionInputSerializer,
        responses={201: ReconversionDepositAnswerSerializer, 400: ReconversionRefusalSerializer},
    )
    def post(self, request):
        serializer = ReconversionInputSerializer(data=request.data)
        if not serializer.is_valid():
            return Response({"errors": serializer.errors, "codes": []}, status=400)
        values = dict(serializer.validated_data)
        received_on = values.pop("received_on", None)
        try:
            period = reconversion_deposit(actor=request.user, data=values, received_on=received_on)
        except ReconversionRefused as exc:
            return Response({"errors": exc.message_dict, "codes": exc.codes}, status=400)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"payload": exc.messages}
            return Response({"errors": errors, "codes": []}, status=400)
        report = run_rules(period, rule_context(period))
        return Response(
            {
                "file_number": period.file_number,
                "status": period.status,
                "decision_due_on": period.decision_due_on.isoformat(),
                "checks": [check.as_dict() for check in report.checks],
            },
            status=201,
        )
