"""The Pro-A stock (amendments concluded before 1 January 2026) under the rules of its time."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from branches.reconversion_funding import DEFAULT_HOURLY_RATE
from contracts.models.reconversion import (
    PRO_A_END,
    ProAAmendment,
    ProAEmployeeContract,
    ProATarget,
)
from contracts.reconversion.rules import PARTY_FIELDS, _hours, last_day
from opco import audit
from opco.checks import CheckReport, CheckStatus, Outcome, error, fr_date, ok, run_table
from opco.models import AuditEntry
from opco.money import round_money
from referentials.models import Company
from referentials.validators import normalize_identifier

# --- Pro-A stock (rules before 1 January 2026) -------------------------------------------------------
PRO_A_PUBLIC = (
    ProAEmployeeContract.CDI,
    ProAEmployeeContract.CUI_CDI,
    ProAEmployeeContract.SPORT_CDD,
    ProAEmployeeContract.PARTIAL_ACTIVITY,
)
PRO_A_MIN_MONTHS, PRO_A_MAX_MONTHS, PRO_A_MAX_MONTHS_BRANCH = 6, 12, 24  # L6325-11, L6325-12 (via D6324-1)
PRO_A_MIN_SHARE, PRO_A_MAX_SHARE, PRO_A_MIN_HOURS = Decimal(15), Decimal(25), Decimal(150)  # L6325-13, L6325-14


def _pro_a_date(amendment: ProAAmendment, context: None = None) -> Outcome:
    if amendment.signed_on >= PRO_A_END:
        return error(
            f"Avenant conclu le {fr_date(amendment.signed_on)} : à partir du 01/01/2026, c'est une période de reconversion "
            "(loi n° 2025-989 du 24 octobre 2025, art. 11)."
        )
    return ok(
        f"Avenant conclu le {fr_date(amendment.signed_on)}, avant le "
        "01/01/2026 : règles de la Pro-A (loi n° 2025-989, art. 11 III)."
    )


def _pro_a_public(amendment: ProAAmendment, context: None = None) -> Outcome:
    if amendment.employee_contract not in PRO_A_PUBLIC:
        return error(
            f"Contrat du salarié « {amendment.get_employee_contract_display()} » : la Pro-A concernait les salariés "
            "en CDI, CUI-CDI, "
            "CDD de sportif ou en activité partielle (L6324-1 ancien)."
        )
    return ok(f"Salarié en {amendment.get_employee_contract_display()} (L6324-1 ancien).")


def _pro_a_level(amendment: ProAAmendment, context: None = None) -> Outcome:
    if not amendment.below_licence:
        return error("Le salarié a atteint le grade de la licence : la Pro-A lui était fermée (L6324-2 et D6324-1-1 anciens).")
    return ok("Qualification inférieure au grade de la licence (D6324-1-1 ancien).")


def _pro_a_duration(amendment: ProAAmendment, context: None = None) -> Outcome:
    if amendment.target != ProATarget.QUALIFICATION:
        return ok(f"{amendment.get_target_display()} : la durée de 6 à 12 mois ne s'applique pas (D6324-1 ancien).")
    start, end = amendment.start_date, amendment.end_date
    longest = PRO_A_MAX_MONTHS_BRANCH if amendment.extended_by_branch else PRO_A_MAX_MONTHS
    span = f"du {fr_date(start)} au {fr_date(end)}"
    if end < last_day(start, PRO_A_MIN_MONTHS):
        return error(
            f"L'action {span} dure moins de 6 mois (fin au plus tôt le {fr_date(last_day(start, PRO_A_MIN_MONTHS))} ; "
            "L6325-11 via D6324-1 ancien)."
        )
    if end > last_day(start, longest):
        return error(
            f"L'action {span} dépasse {longest} mois (fin au plus tard le {fr_date(last_day(start, longest))} ; "
            "L6325-11 et L6325-12 via D6324-1 ancien)."
        )
    return ok(f"L'action {span} dure de 6 à {longest} mois (D6324-1 ancien).")


def _pro_a_hours(amendment: ProAAmendment, context: None = None) -> Outcome:
    if amendment.target != ProATarget.QUALIFICATION:
        return ok(f"{amendment.get_target_display()} : la part de 15 à 25 % ne s'applique pas (D6324-1 ancien).")
    hours, total = Decimal(amendment.training_hours), Decimal(amendment.total_hours)
    share = hours * 100 / total
    shown = f"{_hours(hours)} h sur {_hours(total)} h, soit {str(round_money(share)).replace('.', ',')} %"
    problems = []
    if hours < PRO_A_MIN_HOURS:
        problems.append(f"{_hours(hours)} h de formation : 150 heures au minimum (L6325-13 via D6324-1 ancien).")
    if share < PRO_A_MIN_SHARE:
        problems.append(f"{shown} : moins de 15 % de la durée totale (L6325-13).")
    if share > PRO_A_MAX_SHARE and not amendment.above_25_by_agreement:
        problems.append(f"{shown} : plus de 25 % sans accord de branche (L6325-14).")
    if problems:
        return error(" ".join(problems))
    return ok(f"{shown} : au moins 150 h, entre 15 % et 25 % (D6324-1 ancien).")


def _pro_a_tutor(amendment: ProAAmendment, context: None = None) -> Outcome:
    if not (amendment.tutor_last_name.strip() and amendment.tutor_first_name.strip()):
        return error("Aucun tuteur désigné : l'employeur en désigne un pour chaque bénéficiaire (D6324-2 ancien).")
    return ok(f"Tuteur : {amendment.tutor_first_name} {amendment.tutor_last_name} (D6324-2 ancien).")


PRO_A_RULES = [
    ("PROA_DATE", _pro_a_date),
    ("PROA_PUBLIC", _pro_a_public),
    ("PROA_NIVEAU", _pro_a_level),
    ("PROA_DUREE", _pro_a_duration),
    ("PROA_HEURES", _pro_a_hours),
    ("PROA_TUTEUR", _pro_a_tutor),
]


def pro_a_checks(amendment: ProAAmendment) -> CheckReport:
    """The old rules, shown on the amendment's page (the stock is read, not decided again)."""
    return run_table(PRO_A_RULES, amendment)


def pro_a_funding(branch_hourly_rate: Decimal | None, hours: Decimal) -> tuple[Decimal, Decimal]:
    """(hourly rate, amount): the branch's forfait, else 9,15 €/h (D6332-89 and D6332-90 anciens)."""
    rate = branch_hourly_rate if branch_hourly_rate is not None else DEFAULT_HOURLY_RATE
    return rate, round_money(rate * Decimal(hours))


PRO_A_FIELDS = (
    "deposit_reference",
    "signed_on",
    *PARTY_FIELDS,
    "employee_contract",
    "below_licence",
    "target",
    "certification_code",
    "certification_title",
    "start_date",
    "end_date",
    "extended_by_branch",
    "training_hours",
    "total_hours",
    "above_25_by_agreement",
    "tutor_last_name",
    "tutor_first_name",
    "provider_siret",
    "provider_name",
    "branch_hourly_rate",
)


def pro_a_amendment_record(*, actor, data: dict) -> ProAAmendment:
    """Record a Pro-A amendment of the stock. Refused when concluded on or after 1 January 2026 (a
    période de reconversion then) or when the model's validation fails; nothing stored then."""
    unknown = set(data) - set(PRO_A_FIELDS)
    if unknown:
        raise ValidationError({name: "Champ inconnu." for name in sorted(unknown)})
    values = {name: data[name] for name in PRO_A_FIELDS if name in data and data[name] is not None}
    signed = values.get("signed_on")
    if signed is not None and signed >= PRO_A_END:
        raise ValidationError(
            {
                "signed_on": (
                    f"Avenant conclu le {fr_date(signed)} : depuis le 1er janvier 2026, la Pro-A est remplacée par la période de "
                    "reconversion (loi n° 2025-989 du 24 octobre 2025, art. 11) ; déposez une période de reconversion."
                )
            }
        )
    for name in ("employer_siret", "provider_siret"):
        values[name] = normalize_identifier(values.get(name, ""))
    amendment = ProAAmendment(**values)
    if amendment.training_hours is not None:
        _, amendment.funding_amount = pro_a_funding(amendment.branch_hourly_rate, amendment.training_hours)
    amendment.file_number = "PA-provisoire"
    amendment.full_clean(exclude=["file_number", "employer", "recorded_by"])
    if amendment.end_date < amendment.start_date:
        raise ValidationError({"end_date": "La fin de l'action ne peut pas précéder son début."})
    amendment.employer = Company.objects.filter(siret=amendment.employer_siret).first()
    amendment.recorded_by = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        amendment.save()
        amendment.file_number = f"PA-{amendment.signed_on.year}-{amendment.pk:06d}"
        amendment.save(update_fields=["file_number"])
        report = pro_a_checks(amendment)
        failing = [check.code for check in report.checks if check.status == CheckStatus.ERROR]
        audit.record(
            actor=actor,
            action="pro_a_record",
            target=amendment,
            changes={"funding_amount": [None, str(amendment.funding_amount)], "old_rule_errors": [None, failing]},
            summary="Avenant Pro-A enregistré (stock avant 2026)"
            + (f" ; règles anciennes non respectées : {', '.join(failing)}" if failing else ""),
            source=AuditEntry.Source.WEB,
        )
    return amendment
