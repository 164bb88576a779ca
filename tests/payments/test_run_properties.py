"""Property tests over random payment runs (issue 5): whatever the lines — amounts positive or negative,
names with accents, signs and emoji, long names, dates due or not, flagged accounts — a prepared, approved
and executed run gives a file valid against the XSD whose sums and counts are those of the database,
and every due positive line is in exactly one transfer.

Each example runs inside a savepoint rolled back at its end, so that examples do not see each other's
rows (the function-scoped fixtures — users, MEDIA_ROOT — are shared by the examples on purpose)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree
from schwifty import IBAN

from contracts.models import Instalment
from payments import sepa
from payments.enums import LineStatus, RunStatus
from payments.models import BeneficiaryAccount, PayableLine, PaymentRun, RecoveryOrder, Transfer, TransferLine
from payments.runs import RunRefused, payment_run_approve, payment_run_execute, payment_run_prepare, remittance_text

pytestmark = pytest.mark.django_db

NS = {"p": sepa.NAMESPACE}
SEPA_CHARACTERS = re.compile(r"[a-zA-Z0-9/\-?:().,'+ ]*")
BANK_CODES = ["10107", "30004", "30003", "20041", "10278", "30006", "17515", "13807", "30002", "11315"]
BICS = ["", "BREDFRPP", "AGRIFRPP", "BNPAFRPP", "SOGEFRPP", "PSSTFRPPLIL", "CEPAFRPP751"]

TRICKY = list("éèêëàâäîïôöùûüÿçñÉÈÊÀÂÎÔÙÛÇŒœÆæßøØł&'’‘«»“”–—°€/-?:().,+_\"#@*%$!;<>[]{}|\\~^=\t") + ["🎓", "\u00a0", "\u202f"]
CHARACTERS = st.one_of(
    st.sampled_from(TRICKY),
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Co", "Cn")),
)
PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture
def media(settings, tmp_path):
    """Set once for all the examples of a test (each override of `settings` stacks on the previous)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def text(min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[str]:
    return st.text(alphabet=CHARACTERS, min_size=min_size, max_size=max_size)


# A name or a town always starts with something readable, then anything, up to the column's length.
names = st.builds(
    lambda prefix, rest: f"{prefix} {rest}"[:255],
    st.sampled_from(["CFA", "Lycée", "ÉCOLE", "Campus", "Maison familiale rurale", "Œuvre", "Institut Saint-Éloi"]),
    text(max_size=250),
)
towns = st.builds(
    lambda prefix, rest: f"{prefix}{rest}"[:128],
    st.sampled_from(["Saint-Étienne", "L'Haÿ-les-Roses", "Besançon", "Châlons-en-Champagne", "Pont-l'Évêque", "Aÿ", "Œuilly"]),
    text(max_size=90),
)
# Amounts in cents: mostly positive (up to 100 000 €), some negative (trop-perçus), never zero.
amounts = st.one_of(
    st.integers(min_value=1, max_value=10_000_000),
    st.integers(min_value=1, max_value=9_999),
    st.integers(min_value=-500_000, max_value=-1),
).map(lambda cents: Decimal(cents) / 100)
lines = st.tuples(amounts, st.integers(min_value=-400, max_value=5), text(min_size=1, max_size=40))
accounts = st.fixed_dictionaries(
    {
        "name": names,
        "town": towns,
        "street": text(max_size=100),
        "building_number": text(max_size=16),
        "postal_code": st.one_of(st.just(""), st.from_regex(r"\A[0-9]{5}\Z")),
        "bank_code": st.sampled_from(BANK_CODES),
        "account_code": st.integers(min_value=0, max_value=10**11 - 1),
        "bic": st.sampled_from(BICS),
        "blocked": st.sampled_from([False, False, False, True]),  # an IBAN flagged by a bank return, now and then
        "lines": st.lists(lines, min_size=1, max_size=8),
    }
)


def _create(accounts_data: list[dict], execution_date) -> dict[int, tuple[PayableLine, BeneficiaryAccount]]:
    instalment = ContentType.objects.get_for_model(Instalment)
    created = {}
    source_id = 0
    for number, data in enumerate(accounts_data, start=1):
        account = BeneficiaryAccount.objects.create(
            kind="cfa",
            identifier=f"{number:014d}",
            name=data["name"],
            street=data["street"],
            building_number=data["building_number"],
            postal_code=data["postal_code"],
            town=data["town"],
            iban=IBAN.generate("FR", bank_code=data["bank_code"], account_code=f"{data['account_code']:011d}").compact,
            bic=data["bic"],
            blocked=data["blocked"],
        )
        for amount, offset, reference in data["lines"]:
            source_id += 1
            line = PayableLine.objects.create(
                account=account,
                source_type=instalment,
                source_id=source_id,
                amount=amount,
                due_date=execution_date + timedelta(days=offset),
                reference=reference,
                label=f"Échéance {reference}"[:255],
            )
            created[line.pk] = (line, account)
    return created


def _check_run(run: PaymentRun, created: dict, execution_date) -> None:
    assert run.status == RunStatus.FILE_READY, run.error
    xml = run.file.read()
    sepa.validate(xml)  # the official XSD, then the sums and counts
    root = etree.fromstring(xml)

    transfers = list(Transfer.objects.filter(run=run).order_by("id"))
    transfer_lines = list(TransferLine.objects.filter(transfer__run=run).select_related("line"))
    database_lines_total = sum((tl.amount for tl in transfer_lines), Decimal(0))
    database_transfers_total = sum((t.amount for t in transfers), Decimal(0))
    group_sum = Decimal(root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS))
    payment_sum = Decimal(root.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:CtrlSum", namespaces=NS))
    assert group_sum == payment_sum == database_lines_total == database_transfers_total == run.control_sum == run.total
    assert (
        int(root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS))
        == int(root.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:NbOfTxs", namespaces=NS))
        == len(transfers)
        == run.transaction_count
        == run.transfer_count
    )

    # The file says what the database says, transfer by transfer.
    in_file = [
        (
            tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS),
            Decimal(tx.findtext("p:Amt/p:InstdAmt", namespaces=NS)),
            tx.findtext("p:RmtInf/p:Ustrd", namespaces=NS),
            tx.findtext("p:Cdtr/p:Nm", namespaces=NS),
            tx.findtext("p:Cdtr/p:PstlAdr/p:TwnNm", namespaces=NS),
        )
        for tx in root.iterfind(".//p:CdtTrfTxInf", namespaces=NS)
    ]
    end_to_end_ids = [row[0] for row in in_file]
    assert len(set(end_to_end_ids)) == len(end_to_end_ids)
    assert [(row[0], row[1]) for row in in_file] == [(t.end_to_end_id, t.amount) for t in transfers]
    for end_to_end_id, _, remittance, name, town in in_file:
        assert remittance and len(remittance) <= 140 and SEPA_CHARACTERS.fullmatch(remittance), (end_to_end_id, remittance)
        assert name and len(name) <= 70 and SEPA_CHARACTERS.fullmatch(name)
        assert town and len(town) <= 35 and SEPA_CHARACTERS.fullmatch(town)
    for transfer in transfers:
        assert len(transfer.remittance) <= 140 and SEPA_CHARACTERS.fullmatch(transfer.remittance)
        own = [tl for tl in transfer_lines if tl.transfer_id == transfer.pk]
        assert transfer.amount > 0
        assert transfer.amount == sum((tl.amount for tl in own), Decimal(0))
        assert all(tl.amount == tl.line.amount and tl.line.account_id == transfer.account_id for tl in own)

    # Every line where it must be.
    in_transfer = {tl.line_id: tl.transfer.run_id for tl in transfer_lines}
    now = {line.pk: line for line in PayableLine.objects.filter(pk__in=list(created))}
    for line_id, (line, account) in created.items():
        current = now[line_id]
        due = line.due_date <= execution_date and not account.blocked
        if not due:
            assert (current.status, current.run_id, line_id in in_transfer) == (LineStatus.PAYABLE, None, False)
        elif line.amount > 0:
            # Claimed positive lines: exactly one transfer, of this run, for their account.
            assert TransferLine.objects.filter(line_id=line_id).count() == 1
            assert (current.status, current.run_id, in_transfer[line_id]) == (LineStatus.IN_RUN, run.pk, run.pk)
        elif line_id in in_transfer:
            assert (current.status, current.run_id) == (LineStatus.IN_RUN, run.pk)  # netted
        elif current.status == LineStatus.RECOVERY:
            assert current.recovery_order_id is not None and current.run_id is None
        else:
            assert (current.status, current.run_id) == (LineStatus.PAYABLE, None)  # waits for the next run
    for order in RecoveryOrder.objects.all():
        assert order.amount == -order.lines.aggregate(total=Sum("amount"))["total"]
        assert not Transfer.objects.filter(run=run, account=order.account).exists()


@PROPERTY_SETTINGS
@given(accounts_data=st.lists(accounts, min_size=1, max_size=6), days_ahead=st.integers(min_value=0, max_value=10))
def test_random_runs_give_valid_files_that_match_the_database(finance, finance2, media, accounts_data, days_ahead):
    execution_date = timezone.localdate() + timedelta(days=days_ahead)
    with transaction.atomic():
        created = _create(accounts_data, execution_date)
        before = list(PayableLine.objects.order_by("id").values_list("id", "status", "run_id"))
        due_positive = any(
            line.amount > 0 and line.due_date <= execution_date and not account.blocked for line, account in created.values()
        )
        try:
            preparation = payment_run_prepare(actor=finance, execution_date=execution_date)
        except RunRefused:
            event("préparation refusée")
            # Refused only when no due positive line is payable on an unflagged account; then nothing changed.
            assert not due_positive
            assert list(PayableLine.objects.order_by("id").values_list("id", "status", "run_id")) == before
            assert not PaymentRun.objects.exists() and not RecoveryOrder.objects.exists()
        else:
            if preparation.run is None:
                event("titres de recette seulement")
                # Only trop-perçus with nothing to net against: recovery orders, no run, no transfer.
                assert not due_positive and preparation.recovery_orders
                assert not PaymentRun.objects.exists() and not Transfer.objects.exists()
                assert not PayableLine.objects.filter(status=LineStatus.IN_RUN).exists()
                for order in RecoveryOrder.objects.all():
                    assert order.amount == -order.lines.aggregate(total=Sum("amount"))["total"] > 0
            else:
                event("lot exécuté")
                assert due_positive
                run = payment_run_approve(actor=finance2, run_id=preparation.run.pk)
                run = payment_run_execute(run_id=run.pk)
                _check_run(run, created, execution_date)
                # Executing again changes nothing.
                again = payment_run_execute(run_id=run.pk)
                assert (again.file_sha256, again.control_sum, again.attempts) == (run.file_sha256, run.control_sum, run.attempts)
        transaction.set_rollback(True)


@settings(max_examples=300, deadline=None, database=None)
@given(
    run_id=st.integers(min_value=1, max_value=10**9),
    sequence=st.integers(min_value=1, max_value=10**5),
    references=st.lists(text(min_size=1, max_size=40), min_size=1, max_size=60),
)
def test_remittance_fits_sepa_whatever_the_references(run_id, sequence, references):
    end_to_end_id = f"OPCO-{run_id}-{sequence}"

    remittance = remittance_text(run_id, end_to_end_id, references)

    assert 0 < len(remittance) <= 140
    assert SEPA_CHARACTERS.fullmatch(remittance)
    assert remittance.startswith(f"OPCO lot {run_id}")
