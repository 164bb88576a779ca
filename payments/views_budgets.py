"""The financial sections screens (C. trav. L6332-3, R6332-15): the dashboard of a year (one card
per section, the monthly chart drawn as inline SVG with its table, the CSV export of that table, the
latest movements of the ledger) and the entry of a dotation.

Staff read; dotations are entered by the finance department or a manager, through
`payments.budgets.section_budget_set` (audited). Advisors and branch representatives get 403.
"""

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
from payments import budgets
from payments.enums import FinancialSection
from payments.forms import BudgetYearForm, SectionBudgetForm
from payments.models import BUDGET_FIRST_YEAR, BUDGET_LAST_YEAR, SectionBudget

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
    entered = set(SectionBudget.objects.order_by().values_list("year", flat=True).distinct())
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


@allow(roles.STAFF)
@require_http_methods(["GET"])
def budget_dashboard(request):
    """The three sections of a year: dotation, committed, paid, remaining, alerts; the monthly chart
    and table (one section or all); `?format=csv` downloads that table."""
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
    context = {
        "year": year,
        "section": section,
        "section_label": budgets.section_label(section) if section else "",
        "previous_year": year - 1 if year > BUDGET_FIRST_YEAR else None,
        "next_year": year + 1 if year < BUDGET_LAST_YEAR else None,
        "filter": BudgetYearForm(initial={"annee": year, "section": section}, years=_years(year)),
        "figures": figures,
        "alerts": [figure for figure in figures if figure.alert != budgets.Alert.OK],
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


@allow(roles.FINANCE, roles.RESPONSABLE)
@require_http_methods(["GET", "POST"])
def budget_entry(request):
    """Enter or change a section's dotation for a year; the year's dotations and their history."""
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
                for field, errors in refusal.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(
                    request,
                    f"Dotation de la section « {budget.get_section_display()} » {year} enregistrée : "
                    f"{budgets.euros(budget.amount)}.",
                )
                figure = next(f for f in budgets.section_dashboard(year) if f.section == section)
                if figure.alert == budgets.Alert.OVERRUN:
                    messages.warning(
                        request,
                        f"Attention : {budgets.euros(figure.committed)} sont déjà engagés sur cette section pour {year}, "
                        "au-delà de cette dotation.",
                    )
                return redirect(f"{reverse('payments:budgets')}?annee={year}")
    else:
        section = section or FinancialSection.ALTERNANCE
        current = SectionBudget.objects.filter(year=year, section=section).values_list("amount", "source").first()
        initial = {"year": year, "section": section}
        if current and current[0] is not None:
            initial.update(amount=f"{current[0]:.2f}".replace(".", ","), source=current[1])
        form = SectionBudgetForm(initial=initial)
    context = {
        "form": form,
        "year": year,
        "figures": budgets.section_dashboard(year),
        "history": budgets.budget_history(year)[:100],
    }
    return render(request, "payments/budget_entry.html", context)
