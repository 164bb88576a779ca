"""Portfolios: routing companies under 50 to advisors by the managers' rules, reassigning (one or in
bulk) with history. Only companies under 50 get the proximity service (L6332-1 I 4°, L6332-1-3 1°)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from opco import audit
from referentials.models import Company
from sme_services.enums import size_band
from sme_services.models import AssignmentRule, PortfolioChange, PortfolioCompany


def departement_of(postal_code: str) -> str:
    """The département of a French postal code: « 75015 » → « 75 », « 97110 » → « 971 », Corsica
    « 20000 » → « 2A » and « 20200 » → « 2B » (postal codes 200xx-201xx are Corse-du-Sud)."""
    code = (postal_code or "").strip()
    if len(code) != 5 or not code.isdigit():
        return ""
    if code.startswith("97") or code.startswith("98"):
        return code[:3]
    if code.startswith("20"):
        return "2A" if code[:3] in ("200", "201") else "2B"
    return code[:2]


def company_branch_id(company: Company) -> int | None:
    link = getattr(company.idcc, "branch_link", None) if company.idcc_id else None
    return link.branch_id if link is not None else None


def rule_matches(rule: AssignmentRule, company: Company) -> bool:
    if company.headcount is None or company.headcount >= 50:
        return False
    if rule.departement and departement_of(company.postal_code) != rule.departement.upper():
        return False
    if rule.commune and company.city.strip().casefold() != rule.commune.strip().casefold():
        return False
    if rule.branch_id and company_branch_id(company) != rule.branch_id:
        return False
    return not (rule.size_band and size_band(company.headcount) != rule.size_band)


def rule_for(company: Company) -> AssignmentRule | None:
    """The rule that routes `company`: the most specific active match, then the smallest priority, then
    the oldest; None for a company of 50 or more, of unknown headcount, or that no rule covers."""
    matches = [r for r in AssignmentRule.objects.filter(active=True).select_related("branch") if rule_matches(r, company)]
    matches.sort(key=lambda r: (-r.criteria_count, r.priority, r.pk))
    return matches[0] if matches else None


def advisor_of(company: Company):
    row = PortfolioCompany.objects.filter(company=company).select_related("advisor").first()
    return row.advisor if row else None


def _assign(*, company: Company, advisor, actor, rule=None, reason: str) -> PortfolioChange | None:
    current = PortfolioCompany.objects.select_for_update().filter(company=company).first()
    before = current.advisor if current else None
    if before == advisor:
        if current and current.rule_id != (rule.pk if rule else None):
            current.rule = rule
            current.save(update_fields=["rule"])
        return None
    if current:
        current.delete()
    if advisor is not None:
        PortfolioCompany.objects.create(company=company, advisor=advisor, rule=rule)
    change = PortfolioChange.objects.create(
        company=company, from_advisor=before, to_advisor=advisor, rule=rule, reason=reason[:255], changed_by=actor
    )
    audit.record(
        actor=actor,
        action="portfolio_assign",
        target=company,
        changes={"advisor": [before.pk if before else None, advisor.pk if advisor else None]},
        summary=f"Conseiller : {before or 'aucun'} → {advisor or 'aucun'} ({reason})"[:500],
    )
    return change


def portfolio_route(*, company: Company, actor=None) -> PortfolioChange | None:
    """Apply the rules to one company (a new company, a changed headcount or branch). A company assigned
    by hand keeps its advisor; one assigned by a rule follows the rules (a company changing branch moves
    to the new branch's advisor); one of 50 or more leaves the portfolio of a rule."""
    with transaction.atomic():
        current = PortfolioCompany.objects.select_for_update().filter(company=company).first()
        if current is not None and current.rule_id is None:
            return None
        rule = rule_for(company)
        if rule is None:
            if current is None:
                return None
            return _assign(company=company, advisor=None, actor=actor, reason="plus couverte par une règle d'affectation")
        return _assign(company=company, advisor=rule.advisor, actor=actor, rule=rule, reason=f"règle : {rule.describe()}")


def portfolio_reassign(*, actor, company_ids: list[int], advisor, reason: str) -> int:
    """A manager's reassignment of one or many companies to `advisor` (kept by hand: rules no longer move
    them). Returns how many changed; a blank reason is refused and nothing changes."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Indiquez le motif de la réaffectation."})
    if not company_ids:
        raise ValidationError({"company_ids": "Choisissez au moins une entreprise."})
    changed = 0
    with transaction.atomic():
        for company in Company.objects.filter(pk__in=company_ids).order_by("pk"):
            current = PortfolioCompany.objects.select_for_update().filter(company=company).first()
            if current and current.advisor_id == advisor.pk:
                if current.rule_id is not None:
                    current.rule = None
                    current.save(update_fields=["rule"])
                continue
            changed += _assign(company=company, advisor=advisor, actor=actor, reason=f"réaffectation : {reason}") is not None
    return changed


def assignment_rule_save(*, actor, rule: AssignmentRule) -> AssignmentRule:
    creating = rule.pk is None
    before = {} if creating else audit.snapshot(AssignmentRule.objects.get(pk=rule.pk))
    if creating:
        rule.created_by = actor
    rule.departement = rule.departement.strip().upper()
    rule.full_clean()
    with transaction.atomic():
        rule.save()
        audit.record(
            actor=actor,
            action="assignment_rule_create" if creating else "assignment_rule_update",
            target=rule,
            changes=audit.diff(before, audit.snapshot(rule)),
            summary=f"Règle d'affectation : {rule.describe()} → {rule.advisor}",
        )
    return rule


def portfolio_route_all(*, actor=None) -> int:
    """Route every company under 50 not assigned by hand (after a manager changed the rules)."""
    changed = 0
    manual = PortfolioCompany.objects.filter(rule__isnull=True).values("company_id")
    for company in Company.objects.filter(headcount__isnull=False).exclude(pk__in=manual).select_related("idcc__branch_link"):
        changed += portfolio_route(company=company, actor=actor) is not None
    return changed
