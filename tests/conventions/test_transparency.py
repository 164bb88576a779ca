"""The public transparency page (R6332-23): built by the task into a snapshot after a settled run; lists
exactly the bodies paid in settled runs with their sums per year (a cancelled run, a returned transfer
and an employer excluded); no personal data; the page and the CSV read the snapshot only."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from schwifty import IBAN

from contracts.models import Instalment
from conventions.models import TransparencySnapshot
from conventions.transparency import SCDL_COLUMNS, section_rows, transparency_publish
from payments.models import BeneficiaryAccount, PayableLine, Transfer
from payments.runs import (
    payment_run_approve,
    payment_run_cancel,
    payment_run_execute,
    payment_run_mark_sent,
    payment_run_prepare,
    payment_run_settle,
    transfer_return,
)
from tests.conventions.factories import covered_branch, signed_convention
from tests.referentials.factories import valid_siret

pytestmark = pytest.mark.django_db
SOURCES = iter(range(800_000, 900_000))


def account(n: int, name: str, kind: str = "cfa") -> BeneficiaryAccount:
    return BeneficiaryAccount.objects.create(
        kind=kind,
        identifier=valid_siret(60_000 + n),
        name=name,
        town="Caen",
        iban=IBAN.generate("FR", bank_code="10107", account_code=f"{n:011d}").compact,
        bic="BREDFRPP",
    )


def line(to: BeneficiaryAccount, amount: str, due: date) -> PayableLine:
    return PayableLine.objects.create(
        account=to,
        source_type=ContentType.objects.get_for_model(Instalment),
        source_id=next(SOURCES),
        amount=Decimal(amount),
        due_date=due,
        reference=f"REF-{to.pk}-{amount}",
        label="Avance",
        section="alternance",
    )


def settled_run(finance, finance2, day: date):
    run = payment_run_prepare(actor=finance, execution_date=day).run
    payment_run_approve(actor=finance2, run_id=run.pk)
    run = payment_run_execute(run_id=run.pk)
    payment_run_mark_sent(actor=finance, run_id=run.pk)
    return payment_run_settle(actor=finance2, run_id=run.pk)


@pytest.fixture
def paid(make_user, django_capture_on_commit_callbacks):
    finance, finance2 = make_user(finance=True), make_user(finance=True)
    cfa_a, cfa_b = account(1, "CFA du Bâtiment"), account(2, "Organisme Formation Plus", kind="organisme")
    returned, cancelled = account(3, "CFA Rejeté"), account(4, "CFA du lot annulé")
    employer = account(5, "Jean Dupont boulanger", kind="employeur")
    with time_machine.travel(date(2025, 11, 3), tick=False):
        line(cfa_a, "1000.00", date(2025, 11, 3))
        line(cfa_a, "250.50", date(2025, 11, 3))
        line(employer, "4000.00", date(2025, 11, 3))
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            settled_run(finance, finance2, date(2025, 11, 4))
        assert callbacks, "le règlement d'un lot demande une nouvelle publication"
    with time_machine.travel(date(2026, 2, 2), tick=False):
        line(cfa_a, "300.00", date(2026, 2, 2))
        line(cfa_b, "700.00", date(2026, 2, 2))
        line(returned, "900.00", date(2026, 2, 2))
        run = settled_run(finance, finance2, date(2026, 2, 3))
        transfer_return(
            actor=finance, transfer_id=Transfer.objects.get(run=run, account=returned).pk, reason_code="AC04", reason="Clos"
        )
    with time_machine.travel(date(2026, 3, 2), tick=False):
        line(cancelled, "5000.00", date(2026, 3, 2))
        # The returned transfer's new line waits: its account is flagged until staff correct it.
        run = payment_run_prepare(actor=finance, execution_date=date(2026, 3, 3)).run
        payment_run_cancel(actor=finance, run_id=run.pk)
    return {"accounts": [cfa_a, cfa_b, returned, cancelled, employer]}


def test_a_settled_run_publishes_a_snapshot_through_the_task(paid):
    assert TransparencySnapshot.objects.count() == 1
    assert "réglé" in TransparencySnapshot.objects.get().reason


def test_the_page_lists_exactly_the_bodies_paid_in_settled_runs(paid, client):
    transparency_publish(reason="test")
    rows = section_rows(TransparencySnapshot.objects.latest("built_at"), "organismes")
    cfa_a, cfa_b = paid["accounts"][:2]
    assert rows == [
        [2026, "CFA du Bâtiment", cfa_a.identifier, "300.00"],
        [2026, "Organisme Formation Plus", cfa_b.identifier, "700.00"],
        [2025, "CFA du Bâtiment", cfa_a.identifier, "1250.50"],
    ]
    response = client.get("/transparence/organismes.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == SCDL_COLUMNS
    assert [(r[4], r[5], r[7], r[10]) for r in rows[1:]] == [
        ("CFA du Bâtiment", cfa_a.identifier, "300.00", "2026-01-01/2026-12-31"),
        ("Organisme Formation Plus", cfa_b.identifier, "700.00", "2026-01-01/2026-12-31"),
        ("CFA du Bâtiment", cfa_a.identifier, "1250.50", "2025-01-01/2025-12-31"),
    ]


def test_no_personal_data_on_the_page_or_in_the_csv(paid, client, make_user):
    finance = make_user(finance=True, email="gestion.finance@opco.test")
    covered_branch("0843")
    signed_convention(finance)
    transparency_publish(reason="test")
    page = client.get("/transparence/").content.decode()
    data = page + client.get("/transparence/organismes.csv").content.decode()
    assert "FNE-Formation 2026" in page and "CFA du Bâtiment" in page
    for acct in paid["accounts"]:
        assert acct.iban not in data and acct.iban[-8:] not in data
    assert "Jean Dupont" not in data and "@" not in data
    assert "Préfet" not in data and "Directeur général" not in data  # signatories stay in the back-office


def test_the_page_reads_the_snapshot_only(paid, client):
    transparency_publish(reason="test")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/transparence/")
    assert response.status_code == 200
    tables = " ".join(query["sql"] for query in queries.captured_queries)
    # The snapshot, then its sections without their full rows: two queries whatever the volume.
    assert len(queries.captured_queries) == 2 and "conventions_transparencysnapshot" in tables
    assert "payments_" not in tables and "branches_" not in tables and '"rows"' not in tables
    response = client.get("/transparence/rubriques/organismes.csv")
    assert response.status_code == 200 and "CFA du Bâtiment" in b"".join(response.streaming_content).decode()


def test_without_a_snapshot_the_page_says_so(client, db):
    response = client.get("/transparence/")
    assert response.status_code == 200 and "pas encore été publiée" in response.content.decode()
