"""The yearly statement (C. trav. R6332-31: sent before 31 May following the year, to the minister and
France compétences): the year's figures by section and by mission, from the ledger — dotations and
commitments (payments.budgets), payments (lines paid in runs executed that year), files by kind (the
ledger's sources), companies served, training hours — computed while a draft, frozen once staff lock
it: a locked statement never changes, whatever is paid later."""

import io
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from openpyxl import Workbook

from conventions.enums import StatementStatus
from conventions.models import Convention, YearlyStatement
from conventions.services import can_manage, money_summary
from opco import audit
from opco.money import round_money
from payments.enums import BeneficiaryKind, FinancialSection, LineStatus
from payments.models import BudgetMovement, EnvelopeKind, FundingLine, FundingLineStatus, PayableLine, SectionBudget

ZERO = Decimal("0")


def _money(value) -> str:
    return str(round_money(value or ZERO))


def statement_figures(year: int) -> dict:
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    dotations = {row.section: row.amount for row in SectionBudget.objects.filter(year=year)}
    committed = dict(
        BudgetMovement.objects.filter(budget__kind=EnvelopeKind.SECTION, budget__year=year)
        .order_by()
        .values_list("budget__section")
        .annotate(total=Sum("amount"))
    )
    paid_lines = PayableLine.objects.filter(status=LineStatus.PAID, run__execution_date__gte=start, run__execution_date__lt=end)
    paid = dict(paid_lines.order_by().values_list("section").annotate(total=Sum("amount")))
    sections = [
        [
            section.label,
            _money(dotations.get(section.value)),
            _money(committed.get(section.value)),
            _money(paid.get(section.value)),
        ]
        for section in FinancialSection
    ]
    # By mission: the kinds of files that committed on the sections' ledger this year, and what was paid.
    by_kind = (
        BudgetMovement.objects.filter(budget__kind=EnvelopeKind.SECTION, budget__year=year)
        .order_by()
        .values_list("source_type")
        .annotate(files=Count("source_id", distinct=True), total=Sum("amount"), positive=Sum("amount", filter=Q(amount__gt=0)))
    )
    paid_by_kind = dict(paid_lines.order_by().values_list("source_type").annotate(total=Sum("amount")))
    committed_by_kind = {type_id: (files, total, positive) for type_id, files, total, positive in by_kind}
    types = ContentType.objects.in_bulk(set(committed_by_kind) | set(paid_by_kind))

    def kind_label(type_id: int) -> str:
        model = types[type_id].model_class()
        return str(model._meta.verbose_name_plural).capitalize() if model else types[type_id].model

    missions = sorted(
        [
            kind_label(type_id),
            committed_by_kind.get(type_id, (0, None, None))[0],
            _money(committed_by_kind.get(type_id, (0, None, None))[2]),
            _money(committed_by_kind.get(type_id, (0, None, None))[1]),
            _money(paid_by_kind.get(type_id)),
        ]
        for type_id in types
    )
    companies = set(
        paid_lines.filter(account__kind=BeneficiaryKind.EMPLOYER).values_list("account__identifier", flat=True).distinct()
    )
    lines = FundingLine.objects.filter(starts_on__gte=start, starts_on__lt=end).exclude(
        status=FundingLineStatus.RELEASED, consumed=0
    )
    companies |= set(lines.exclude(company=None).values_list("company__siret", flat=True).distinct())
    sums = lines.aggregate(n_hours=Sum("hours"), n_trainees=Sum("trainees"))
    hours, trainees = sums["n_hours"] or ZERO, sums["n_trainees"] or 0
    conventions = [
        [convention.number, convention.title, convention.funder, *[str(value) for value in money_summary(convention).values()]]
        for convention in Convention.objects.filter(starts_on__lt=end, ends_on__gte=start).order_by("number")
    ]
    return {
        "year": year,
        "sections": sections,
        "missions": missions,
        "companies_served": len(companies),
        "training_hours": str(Decimal(hours).quantize(Decimal("0.01"))),
        "trainees": trainees,
        "conventions": conventions,
    }


def statement_compute(*, actor, year: int) -> YearlyStatement:
    """Compute (or recompute) a draft statement; a locked one is refused, unchanged."""
    if not can_manage(actor):
        raise PermissionDenied("Seuls le service financier et les responsables établissent l'état annuel.")
    with transaction.atomic():
        statement = YearlyStatement.objects.select_for_update().filter(year=year).first()
        if statement is not None and statement.status == StatementStatus.LOCKED:
            raise ValidationError(f"L'état {year} est verrouillé : il ne change plus.", code="verrouille")
        figures = statement_figures(year)
        if statement is None:
            statement = YearlyStatement(year=year)
        statement.figures, statement.computed_at, statement.computed_by = figures, timezone.now(), actor
        statement.full_clean()
        statement.save()
        audit.record(actor=actor, action="conventions.statement_computed", target=statement, summary=f"{statement} calculé")
    return statement


def statement_lock(*, actor, statement_id: int) -> YearlyStatement:
    """Reviewed by a second person (not who computed it last), then frozen for good."""
    if not can_manage(actor):
        raise PermissionDenied("Seuls le service financier et les responsables verrouillent l'état annuel.")
    with transaction.atomic():
        statement = YearlyStatement.objects.select_for_update().get(pk=statement_id)
        if statement.status == StatementStatus.LOCKED:
            raise ValidationError("Cet état est déjà verrouillé.", code="verrouille")
        if statement.computed_by_id == actor.pk:
            raise ValidationError(
                "L'état est vérifié et verrouillé par une autre personne que celle qui l'a calculé.", code="quatre_yeux"
            )
        statement.status, statement.locked_by, statement.locked_at = StatementStatus.LOCKED, actor, timezone.now()
        statement.save(update_fields=["status", "locked_by", "locked_at"])
        audit.record(actor=actor, action="conventions.statement_locked", target=statement, summary=f"{statement} verrouillé")
    return statement


def statement_xlsx(statement: YearlyStatement) -> bytes:
    figures = statement.figures
    book = Workbook()
    sheet = book.active
    sheet.title = "Sections"
    sheet.append([f"État annuel {figures['year']} (C. trav. R6332-31) – {statement.get_status_display()}"])
    sheet.append(["Section", "Dotation (€)", "Engagé (€)", "Payé (€)"])
    for label, *values in figures["sections"]:
        sheet.append([label, *[float(value) for value in values]])
    sheet.append([])
    sheet.append(["Entreprises servies", figures["companies_served"]])
    sheet.append(["Heures de formation (actions cofinancées)", float(figures["training_hours"])])
    sheet.append(["Personnes formées (actions cofinancées)", figures["trainees"]])
    missions = book.create_sheet("Missions")
    missions.append(["Nature des dossiers", "Dossiers", "Engagements (€)", "Engagé net (€)", "Payé (€)"])
    for label, files, *values in figures["missions"]:
        missions.append([label, files, *[float(value) for value in values]])
    conventions = book.create_sheet("Conventions")
    conventions.append(
        ["Numéro", "Intitulé", "Financeur", "Budget", "Engagé", "Consommé", "Disponible", "Attendu", "Reçu", "À reverser"]
    )
    for number, title, funder, *values in figures["conventions"]:
        conventions.append([number, title, funder, *[float(value) for value in values]])
    for ws in book.worksheets:
        ws.column_dimensions["A"].width = 45
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
