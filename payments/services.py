"""Writes on payable lines and beneficiary accounts: a mission hands lines over, cancels those it no
longer owes, and staff correct a flagged IBAN. Payment runs are in `payments.runs`."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from opco import audit
from opco.models import AuditEntry
from opco.money import round_money
from payments.enums import LineStatus
from payments.models import BeneficiaryAccount, PayableLine
from referentials.validators import iban_problem, is_valid_bic, is_valid_iban, normalize_identifier

# « 12 bis rue des Lilas », « 3, avenue Foch », « 7B place du Marché »: number first, then the street.
_NUMBERED_STREET = re.compile(r"^\s*(\d+\s?(?:bis|ter|quater|[a-dA-D])?)\b[\s,]+(.+)$", re.IGNORECASE)

ACCOUNT_FIELDS = ("name", "street", "building_number", "postal_code", "town", "country", "iban", "bic")


def split_street(address: str) -> tuple[str, str]:
    """(building number, street) from a one-line address, for the structured SEPA address."""
    match = _NUMBERED_STREET.match(address or "")
    if match:
        return match.group(1).replace(" ", ""), match.group(2).strip()
    return "", (address or "").strip()


@dataclass(frozen=True)
class Beneficiary:
    kind: str
    identifier: str
    name: str
    address: str
    postal_code: str
    town: str
    iban: str
    bic: str = ""
    country: str = "FR"

    def problems(self) -> list[str]:
        found = []
        if not is_valid_iban(self.iban):
            found.append("IBAN absent ou invalide")
        if self.bic and not is_valid_bic(self.bic):
            found.append("BIC invalide")
        if not self.town.strip():
            found.append("commune absente (adresse structurée obligatoire)")
        return found

    def account_values(self) -> dict[str, str]:
        building_number, street = split_street(self.address)
        return {
            "name": self.name.strip(),
            "street": street,
            "building_number": building_number,
            "postal_code": self.postal_code.strip(),
            "town": self.town.strip(),
            "country": self.country,
            "iban": normalize_identifier(self.iban),
            "bic": normalize_identifier(self.bic),
        }


@dataclass(frozen=True)
class LineRequest:
    """What a mission hands over for one source object."""

    source_id: int
    beneficiary: Beneficiary
    amount: Decimal
    due_date: date
    reference: str
    label: str
    pay_by: date | None = None
    section: str = ""


def _accounts_for(beneficiaries: list[Beneficiary]) -> dict[tuple[str, str], BeneficiaryAccount]:
    """Find or create the account of each beneficiary. A changed IBAN from the mission replaces the
    stored one (audited), except on a flagged account: staff correct those by hand."""
    wanted = {(b.kind, b.identifier): b for b in beneficiaries}
    existing = {
        (account.kind, account.identifier): account
        for account in BeneficiaryAccount.objects.filter(identifier__in={b.identifier for b in beneficiaries})
        if (account.kind, account.identifier) in wanted
    }
    missing = [
        BeneficiaryAccount(kind=kind, identifier=identifier, **beneficiary.account_values())
        for (kind, identifier), beneficiary in wanted.items()
        if (kind, identifier) not in existing
    ]
    for account in BeneficiaryAccount.objects.bulk_create(missing):
        existing[(account.kind, account.identifier)] = account
    for key, beneficiary in wanted.items():
        account = existing[key]
        values = beneficiary.account_values()
        if account.blocked or all(getattr(account, name) == values[name] for name in ACCOUNT_FIELDS):
            continue
        before = audit.snapshot(account, ACCOUNT_FIELDS)
        for name in ACCOUNT_FIELDS:
            setattr(account, name, values[name])
        account.save()
        audit.record(
            actor=None,
            action="payments.account.updated_from_referential",
            target=account,
            changes=audit.diff(before, audit.snapshot(account, ACCOUNT_FIELDS)),
            summary="Coordonnées bancaires ou postales reprises du référentiel",
            source=AuditEntry.Source.TASK,
        )
    return existing


def payable_lines_submit(*, source_model: type[models.Model], requests: list[LineRequest]) -> list[PayableLine]:
    """Hand lines over to payments (inside the caller's transaction). Refuses (ValidationError, nothing
    written) a zero amount or a beneficiary without a valid IBAN or town; the unique constraint refuses
    a second live line for the same source object."""
    if not requests:
        return []
    errors = []
    for request in requests:
        problems = request.beneficiary.problems()
        if round_money(request.amount) == 0:
            problems.append("montant nul")
        if problems:
            errors.append(f"{request.reference} : {', '.join(problems)}")
    if errors:
        raise ValidationError(errors)
    content_type = ContentType.objects.get_for_model(source_model)
    accounts = _accounts_for([request.beneficiary for request in requests])
    lines = [
        PayableLine(
            account=accounts[(request.beneficiary.kind, request.beneficiary.identifier)],
            source_type=content_type,
            source_id=request.source_id,
            amount=round_money(request.amount),
            due_date=request.due_date,
            pay_by=request.pay_by,
            reference=request.reference[:40],
            label=request.label[:255],
            section=request.section,
        )
        for request in requests
    ]
    return PayableLine.objects.bulk_create(lines)


def payable_lines_cancel(*, source_model: type[models.Model], source_ids: list[int]) -> set[int]:
    """Cancel the still payable lines of these source objects (a recomputation superseded them) and
    return the source ids actually cancelled. A line already claimed by a run is not touched: the row
    lock makes this wait for a run being prepared, then see its claim (compare-and-swap)."""
    if not source_ids:
        return set()
    content_type = ContentType.objects.get_for_model(source_model)
    live = PayableLine.objects.filter(source_type=content_type, source_id__in=source_ids, status=LineStatus.PAYABLE)
    ids = dict(live.select_for_update(of=("self",)).order_by("id").values_list("id", "source_id"))
    PayableLine.objects.filter(id__in=list(ids), status=LineStatus.PAYABLE).update(
        status=LineStatus.CANCELLED, updated_at=timezone.now()
    )
    return set(ids.values())


def lines_status_of(*, source_model: type[models.Model], source_ids: list[int]) -> dict[int, str]:
    """The status of the live line of each source object (read back by the mission)."""
    content_type = ContentType.objects.get_for_model(source_model)
    return dict(
        PayableLine.objects.filter(source_type=content_type, source_id__in=source_ids)
        .exclude(status__in=[LineStatus.RETURNED, LineStatus.CANCELLED])
        .values_list("source_id", "status")
    )


def beneficiary_account_correct(*, actor, account_id: int, iban: str, bic: str = "") -> BeneficiaryAccount:
    """Staff enter the corrected bank details of a flagged account; its lines can be paid again."""
    iban = normalize_identifier(iban)
    bic = normalize_identifier(bic)
    errors = {}
    problem = iban_problem(iban)  # down to the national account key (clé RIB), as the SEPA file checks it
    if problem:
        errors["iban"] = problem
    if bic and not is_valid_bic(bic):
        errors["bic"] = "BIC invalide."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        account = BeneficiaryAccount.objects.select_for_update().get(pk=account_id)
        before = audit.snapshot(account, ("iban", "bic", "blocked", "blocked_reason"))
        account.iban, account.bic = iban, bic
        account.blocked, account.blocked_reason, account.blocked_at = False, "", None
        account.full_clean()
        account.save()
        audit.record(
            actor=actor,
            action="payments.account.corrected",
            target=account,
            changes=audit.diff(before, audit.snapshot(account, ("iban", "bic", "blocked", "blocked_reason"))),
            summary="Coordonnées bancaires corrigées ; le compte peut de nouveau être payé",
        )
    return account
