"""The budget screens: the dashboard of a year — one card per financial section (C. trav. L6332-3,
R6332-15), the monthly chart drawn as inline SVG with its table, the CSV export of that table, the
branches' quarter envelopes and the conventions' envelopes, the latest movements of the ledger — and
the entry of a section's dotation or of a branch's quarter envelope.

Staff read; amounts are entered by the finance department or a manager, through
`payments.budgets.section_budget_set` and `branch_envelope_set` (audited). Advisors and branch
representatives get 403.
"""

import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import roles
from opco import audit
from opco.access import allow
from opco.lists import stream_csv
from opco.money import euros
from payments import budgets
from payments.enums import FinancialSection
from payments.forms import BranchEnvelopeForm, BudgetYearForm, SectionBudgetForm
from payments.models import BUDGET_FIRST_YEAR, BUDGET_LAST_YEAR, Envelope, EnvelopeKind, SectionBudget

ZERO = Decimal("0")
MOVEMENTS_SHOWN = 20
MONTH_ABBREVIATIONS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
CSV_HEADER = ["Mois", "Engagements", "Dégagements", "Engagé net", "Payé", "Engagé net cumulé", "Payé cumulé"]

# Geometry of the monthly chart, in SVG user units (the drawing scales to the width of the page).
CHART_WIDTH, CHART_HEIGHT = 760, 260
CHART_LEFT, CHART_TOP, CHART_BOTTOM = 96, 12, 28
BAR_WIDTH, BAR_GAP = 18, 3


def _selected(request) -> tuple[int, str]:
    """The year (default: this year) and section (default: all three) asked for in the query."""
    year = timezone.localdate().year
    try:
        asked = int(request.GET.get("annee", ""))
    except ValueError:
        asked = year
    if BUDGET_FIRST_YEAR <= asked <= BUDGET_LAST_YEAR:
        year = asked
    section = request.GET.get("section", "")
    return year, section if section in FinancialSection.values else ""


def _years(selected: int) -> list[int]:
    this_year = timezone.localdate().year
    entered = set(Envelope.objects.order_by().values_list("year", flat=True).distinct())
    around = set(range(this_year - 2, this_year + 3))
    return sorted(year for year in entered | around | {selected} if BUDGET_FIRST_YEAR <= year <= BUDGET_LAST_YEAR)


def _units(value: float) -> str:
    """SVG coordinates are written with a dot whatever the locale (never through the template's
    number localisation)."""
    return f"{value:.1f}"


def _axis_label(amount: Decimal) -> str:
    return f"{amount:,.0f}".replace(",", "\u202f") + " €"


def _row_amount(amount: Decimal) -> str:
    """Decimal comma for French spreadsheets; a negative amount keeps its sign (and thus the CSV
    injection guard's leading quote of opco.lists)."""
    return f"{amount:.2f}".replace(".", ",")


def monthly_chart(series: list[budgets.MonthFigures]) -> dict:
    """Bars committed vs paid per month, scaled between the lowest (or zero) and highest values."""
    values = [month.committed for month in series] + [month.paid for month in series]
    top, bottom = max([*values, ZERO]), min([*values, ZERO])
    span = float(top - bottom) or 1.0
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    zero_y = CHART_TOP + float(top) / span * plot_height
    slot = (CHART_WIDTH - CHART_LEFT) / 12

    def bar(x: float, amount: Decimal) -> dict:
        height = abs(float(amount)) / span * plot_height
        y = zero_y - height if amount > 0 else zero_y
        return {"x": _units(x), "y": _units(y), "height": _units(height), "amount": amount}

    months = []
    for index, month in enumerate(series):
        left = CHART_LEFT + index * slot + (slot - 2 * BAR_WIDTH - BAR_GAP) / 2
        months.append(
            {
                "label": MONTH_ABBREVIATIONS[index],
                "label_x": _units(CHART_LEFT + index * slot + slot / 2),
                "month": month.month,
                "committed": bar(left, month.committed),
                "paid": bar(left + BAR_WIDTH + BAR_GAP, month.paid),
            }
        )
    ticks = [top, top / 2, ZERO] if top > 0 else [ZERO]
    if bottom < 0:
        ticks.append(bottom)
    grid = [
        {"y": _units(zero_y - float(tick) / span * plot_height), "label": _axis_label(tick), "zero": tick == 0} for tick in ticks
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_LEFT,
        "label_x": CHART_LEFT - 6,
        "month_y": CHART_HEIGHT - 8,
        "bar_width": BAR_WIDTH,
        "months": months,
        "grid": grid,
        "empty": top == 0 and bottom == 0,
    }


def _with_totals(series: list[budgets.MonthFigures]) -> list[tuple[budgets.MonthFigures, Decimal, Decimal]]:
    rows, committed, paid = [], ZERO, ZERO
    for month in series:
        committed += month.committed
        paid += month.paid
        rows.append((month, committed, paid))
    return rows


@dataclass(frozen=True)
class BranchGroup:
    """The quarter envelopes of one branch and section for a year, and their yearly totals."""

    branch_name: str
    section_label: str
    quarters: list[budgets.EnvelopeFigures]

    @property
    def budget(self) -> Decimal | None:
        entered = [quarter.budget for quarter in self.quarters if quarter.budget is not None]
        return sum(entered, ZERO) if entered else None

    @property
    def committed(self) -> Decimal:
        return sum((quarter.committed for quarter in self.quarters), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((quarter.paid for quarter in self.quarters), ZERO)


def branch_groups(figures: list[budgets.EnvelopeFigures]) -> list[BranchGroup]:
    """`budgets.branch_dashboard` rows (ordered by branch, section, quarter) grouped by branch and section."""
    return [
        BranchGroup(branch_name=rows[0].branch_name, section_label=rows[0].label, quarters=rows)
        for rows in (list(group) for _, group in itertools.groupby(figures, key=lambda f: (f.branch_id, f.section)))
    ]


@allow(roles.STAFF)
@require_http_methods(["GET"])
def budget_dashboard(request):
    """The three sections of a year: dotation, committed, paid, remaining, alerts; the monthly chart
    and table (one section or all), `?format=csv` downloads that table; then the branches' quarter
    envelopes and the conventions' envelopes of the year, with theirs."""
    year, section = _selected(request)
    series = budgets.monthly_series(year, section or None)
    rows = _with_totals(series)
    scope = f"{year}" + (f"-{section}" if section else "")
    if request.GET.get("format") == "csv":
        audit.record(
            actor=request.user,
            action="export_csv",
            summary=f"Export CSV « engagements et paiements mensuels » {year}"
            + (f", section « {budgets.section_label(section)} »" if section else ", trois sections"),
        )
        lines = (
            [
                f"{month.month:%m/%Y}",
                _row_amount(month.commitments),
                _row_amount(month.releases),
                _row_amount(month.committed),
                _row_amount(month.paid),
                _row_amount(committed),
                _row_amount(paid),
            ]
            for month, committed, paid in rows
        )
        return stream_csv(f"sections-financieres-{scope}.csv", CSV_HEADER, lines)

    figures = budgets.section_dashboard(year)
    branches = budgets.branch_dashboard(year)
    conventions = budgets.convention_dashboard(year)
    context = {
        "year": year,
        "section": section,
        "section_label": budgets.section_label(section) if section else "",
        "previous_year": year - 1 if year > BUDGET_FIRST_YEAR else None,
        "next_year": year + 1 if year < BUDGET_LAST_YEAR else None,
        "filter": BudgetYearForm(initial={"annee": year, "section": section}, years=_years(year)),
        "figures": figures,
        "alerts": [figure for figure in figures if figure.alert != budgets.Alert.OK],
        "envelope_alerts": [figure for figure in branches + conventions if figure.alert != budgets.Alert.OK],
        "branch_groups": branch_groups(branches),
        "conventions": conventions,
        "chart": monthly_chart(series),
        "rows": rows,
        "year_committed": sum((month.committed for month in series), ZERO),
        "year_paid": sum((month.paid for month in series), ZERO),
        "movements": budgets.latest_movements(year, MOVEMENTS_SHOWN),
        "movements_shown": MOVEMENTS_SHOWN,
        "can_enter": budgets.can_enter_budgets(request.user),
        "csv_query": f"annee={year}" + (f"&section={section}" if section else "") + "&format=csv",
    }
    return render(request, "payments/budget_dashboard.html", context)


def _refused(form, refusal: ValidationError) -> None:
    """A service's refusal shown on the form: on its field when the form has one, above it otherwise."""
    for field, errors in refusal.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _entry_page(request, year: int, section_form: SectionBudgetForm, branch_form: BranchEnvelopeForm):
    context = {
        "form": section_form,
        "branch_form": branch_form,
        "year": year,
        "figures": budgets.section_dashboard(year),
        "branch_envelopes": budgets.branch_dashboard(year),
        "history": budgets.budget_history(year)[:100],
    }
    return render(request, "payments/budget_entry.html", context)


def _amount_initial(amount: Decimal | None) -> dict:
    return {} if amount is None else {"amount": f"{amount:.2f}".replace(".", ",")}


def _branch_form_initial(request, year: int) -> dict:
    """The branch form opened from a row of the entry page (?branche=…&trimestre=…&section_branche=…):
    that envelope, with its current amount."""
    initial = {"year": year, "section": request.GET.get("section_branche") or FinancialSection.PLAN_UNDER_50}
    try:
        branch, quarter = int(request.GET.get("branche", "")), int(request.GET.get("trimestre", ""))
    except ValueError:
        return initial
    initial.update(branch=branch, quarter=quarter)
    current = (
        Envelope.objects.filter(
            kind=EnvelopeKind.BRANCH, branch_id=branch, year=year, quarter=quarter, section=initial["section"]
        )
        .values_list("amount", "source")
        .first()
    )
    if current:
        initial.update(_amount_initial(current[0]), source=current[1])
    return initial


@allow(roles.FINANCE, roles.RESPONSABLE)
@require_http_methods(["GET", "POST"])
def budget_entry(request):
    """Enter or change a section's dotation for a year; the form of a branch's quarter envelope; the
    year's dotations and envelopes and their history."""
    year, section = _selected(request)
    if request.method == "POST":
        form = SectionBudgetForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            year, section = data["year"], data["section"]
            try:
                budget = budgets.section_budget_set(
                    actor=request.user, year=year, section=section, amount=data["amount"], source=data["source"]
                )
            except ValidationError as refusal:
                _refused(form, refusal)
            else:
                messages.success(
                    request,
                    f"Dotation de la section « {budget.get_section_display()} » {year} enregistrée : {euros(budget.amount)}.",
                )
                figure = next(f for f in budgets.section_dashboard(year) if f.section == section)
                if figure.alert == budgets.Alert.OVERRUN:
                    messages.warning(
                        request,
                        f"Attention : {euros(figure.committed)} sont déjà engagés sur cette section pour {year}, "
                        "au-delà de cette dotation.",
                    )
                return redirect(f"{reverse('payments:budgets')}?annee={year}")
    else:
        section = section or FinancialSection.ALTERNANCE
        current = SectionBudget.objects.filter(year=year, section=section).values_list("amount", "source").first()
        initial = {"year": year, "section": section}
        if current and current[0] is not None:
            initial.update(_amount_initial(current[0]), source=current[1])
        form = SectionBudgetForm(initial=initial)
    return _entry_page(request, year, form, BranchEnvelopeForm(prefix="branche", initial=_branch_form_initial(request, year)))


@allow(roles.FINANCE, roles.RESPONSABLE)
@require_http_methods(["POST"])
def budget_branch_entry(request):
    """Enter or change a branch's envelope for a quarter of a section (the form of the entry page)."""
    year, _ = _selected(request)
    form = BranchEnvelopeForm(request.POST, prefix="branche")
    if form.is_valid():
        data = form.cleaned_data
        year = data["year"]
        try:
            envelope = budgets.branch_envelope_set(
                actor=request.user,
                branch=data["branch"],
                section=data["section"],
                year=year,
                quarter=data["quarter"],
                amount=data["amount"],
                source=data["source"],
            )
        except ValidationError as refusal:
            _refused(form, refusal)
        else:
            messages.success(request, f"Enveloppe de la {envelope.named} enregistrée : {euros(envelope.amount)}.")
            figure = next(f for f in budgets.branch_dashboard(year) if f.budget_id == envelope.pk)
            if figure.alert == budgets.Alert.OVERRUN:
                messages.warning(
                    request,
                    f"Attention : {euros(figure.committed)} sont déjà engagés sur cette enveloppe, au-delà de son montant.",
                )
            return redirect(f"{reverse('payments:budgets')}?annee={year}#branches")
    section_form = SectionBudgetForm(initial={"year": year, "section": FinancialSection.ALTERNANCE})
    return _entry_page(request, year, section_form, form)
