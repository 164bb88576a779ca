"""Builders of the payments tests: beneficiary accounts and payable lines (one by one or in bulk), runs
prepared and approved by two finance users, and what the payments screens answer."""

import csv
import io
import itertools
from datetime import date
from decimal import Decimal
from html import unescape

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from schwifty import IBAN

from contracts.models import Instalment
from payments.enums import LineStatus
from payments.models import BeneficiaryAccount, PayableLine, PaymentRun
from payments.runs import payment_run_approve, payment_run_prepare
from tests.referentials.factories import valid_siret

# --- One account, one line (the screens) ---------------------------------------------------------------
_numbers = itertools.count(1)


def make_account(name: str = "", *, blocked: bool = False) -> BeneficiaryAccount:
    """A CFA account identified by a valid SIRET; `blocked` as after a bank return."""
    number = next(_numbers)
    return BeneficiaryAccount.objects.create(
        kind="cfa",
        identifier=valid_siret(7000 + number),
        name=name or f"CFA des Métiers n° {number}",
        street="rue des Écoles",
        building_number="3",
        postal_code="14000",
        town="Caen",
        iban=IBAN.generate("FR", bank_code="10107", account_code=f"{number:011d}").compact,
        bic="BREDFRPP",
        blocked=blocked,
        blocked_reason="Rejet AC04 du virement OPCO-1-1" if blocked else "",
        blocked_at=timezone.now() if blocked else None,
    )


def make_line(account, amount: str, *, due=None, pay_by=None, reference: str = "", status=LineStatus.PAYABLE) -> PayableLine:
    """A line of the alternance section, payable today unless told otherwise."""
    source_id = 800_000 + next(_numbers)
    return PayableLine.objects.create(
        account=account,
        source_type=ContentType.objects.get_for_model(Instalment),
        source_id=source_id,
        amount=Decimal(amount),
        due_date=due or timezone.localdate(),
        pay_by=pay_by,
        reference=reference or f"R{source_id}",
        label=f"Échéance {source_id}",
        section="alternance",
        status=status,
    )


# --- Runs over fresh accounts (bank status reports, the payment_run command) ----------------------------
_run_numbers = itertools.count(1)


def cfa_account(*, name: str = "", town: str = "Caen", blocked: bool = False) -> BeneficiaryAccount:
    """A CFA account identified by a plain number."""
    number = next(_run_numbers)
    return BeneficiaryAccount.objects.create(
        kind="cfa",
        identifier=f"{number:014d}",
        name=name or f"CFA des Métiers n° {number}",
        street="rue des Écoles",
        building_number="3",
        postal_code="14000",
        town=town,
        iban=IBAN.generate("FR", bank_code="10107", account_code=f"{number:011d}").compact,
        bic="BREDFRPP",
        blocked=blocked,
    )


def payable_line(account: BeneficiaryAccount, amount: str | Decimal, *, due=None, reference: str = "") -> PayableLine:
    """A first-year advance of `amount`, due today unless told otherwise."""
    source_id = 500_000 + next(_run_numbers)
    return PayableLine.objects.create(
        account=account,
        source_type=ContentType.objects.get_for_model(Instalment),
        source_id=source_id,
        amount=Decimal(amount),
        due_date=due or timezone.localdate(),
        reference=reference or f"C{source_id} avance A1",
        label=f"Avance de l'année 1, échéance {source_id}",
    )


def approved_run(preparer, approver, amounts_by_account: list[list[str]]) -> PaymentRun:
    """A run prepared for today over fresh accounts (one per list of amounts, transfers numbered in
    that order), approved by a second finance user."""
    for amounts in amounts_by_account:
        account = cfa_account()
        for amount in amounts:
            payable_line(account, amount)
    run = payment_run_prepare(actor=preparer, execution_date=timezone.localdate()).run
    return payment_run_approve(actor=approver, run_id=run.pk)


# --- In bulk (concurrency, a worker killed mid-run) ------------------------------------------------------
SOURCE_ID_BASE = 5_000_000


def make_accounts(count: int) -> list[BeneficiaryAccount]:
    """`count` CFA accounts with valid, distinct synthetic IBANs and structured addresses."""
    return BeneficiaryAccount.objects.bulk_create(
        BeneficiaryAccount(
            kind="cfa",
            identifier=f"{90_000_000_000_000 + index:014d}",
            name=f"CFA d'essai n° {index}",
            street="rue des Apprentis",
            building_number=str(index + 1),
            postal_code="69003",
            town="Lyon",
            iban=str(IBAN.generate("FR", bank_code="3000400003", account_code=f"{index + 1:011d}")),
            bic="BNPAFRPP",
        )
        for index in range(count)
    )


def make_lines(accounts: list[BeneficiaryAccount], count: int, due: date) -> list[PayableLine]:
    """`count` positive payable lines due on `due`, spread over `accounts` (round robin), each with its
    own source (an Instalment id that does not exist: payments knows nothing of its source)."""
    content_type = ContentType.objects.get_for_model(Instalment)
    return PayableLine.objects.bulk_create(
        PayableLine(
            account=accounts[index % len(accounts)],
            source_type=content_type,
            source_id=SOURCE_ID_BASE + index,
            amount=Decimal(100 + index % 900) + Decimal(index % 100) / 100,
            due_date=due,
            reference=f"AP2025{index:07d} AB E1",
            label=f"Échéance d'essai n° {index}",
            section="alternance",
        )
        for index in range(count)
    )


def approved_run_on(finance, finance2, execution_date: date) -> PaymentRun:
    """The run `finance` prepares for `execution_date`, approved by `finance2`."""
    run = payment_run_prepare(actor=finance, execution_date=execution_date).run
    return payment_run_approve(actor=finance2, run_id=run.pk)


# --- What the screens answer ----------------------------------------------------------------------------
def page(response) -> str:
    """The HTML of a response, entities unescaped."""
    return unescape(response.content.decode())


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def csv_rows(response) -> list[list[str]]:
    """The rows of a streamed CSV export (UTF-8 with BOM, « ; » separated)."""
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def D(text: str) -> Decimal:  # noqa: N802 — reads like a literal
    return Decimal(text)
