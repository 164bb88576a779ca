"""The payments benchmark on a small scale: it prints its figures and leaves nothing behind (its
throw-away database is dropped, the configured one is untouched, no SEPA file is left)."""

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from accounts.models import User
from contracts.models import ApprenticeshipContract, Commitment, Instalment
from opco.models import AuditEntry
from payments.models import BeneficiaryAccount, PayableLine, PaymentRun, Transfer, TransferLine
from tests.conftest import need_postgres

MODELS = (
    PayableLine,
    PaymentRun,
    Transfer,
    TransferLine,
    BeneficiaryAccount,
    User,
    Group,
    AuditEntry,
    ApprenticeshipContract,
    Commitment,
    Instalment,
)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _throwaway_databases() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE 'banc_paiements_%%'")
        return [row[0] for row in cursor.fetchall()]


def _euros(text: str) -> Decimal:
    return Decimal(text.replace("\u202f", "").replace(",", "."))


@pytest.mark.django_db(transaction=True)
def test_the_benchmark_prints_its_figures_and_leaves_nothing_behind(settings, tmp_path):
    need_postgres()
    settings.MEDIA_ROOT = tmp_path / "media"
    before, databases_before = _counts(), _throwaway_databases()
    out = StringIO()

    call_command("bench_payments", lines=300, accounts=20, stdout=out)

    output = out.getvalue()
    assert "20 comptes bénéficiaires ; lots de 30 puis 300 lignes" in output
    assert "Lot de 30 lignes (dont 0 trop-perçus)" in output
    assert "Lot de 300 lignes (dont 3 trop-perçus)" in output
    prepared = re.findall(
        r"Préparation \(COMMIT compris\) : [\d,]+ s, (\d+) requêtes SQL — ([\d\u202f]+) lignes, (\d+) virements, "
        r"(\d+) trop-perçus imputés, ([\d\u202f,]+) €",
        output,
    )
    assert [(lines, transfers, netted) for _, lines, transfers, netted, _ in prepared] == [("30", "20", "0"), ("300", "20", "3")]
    # Real instalments behind the lines (4 per contract), all mirrored « in_run » by the prepare.
    assert "8 contrats, 30 échéances « à payer »" in output and "75 contrats, 300 échéances « à payer »" in output
    mirrored = re.findall(
        r"Échéances \(contracts\) passées « en cours de paiement » par la préparation : (\d+) pour (\d+) lignes", output
    )
    assert mirrored == [("30", "30"), ("300", "300")]
    assert "300 échéances mises à jour pour le grand lot" in output
    checked = re.findall(r"Somme de contrôle du fichier = total des lignes en base : ([\d\u202f,]+) €", output)
    assert [_euros(total) for total in checked] == [_euros(row[4]) for row in prepared]
    executed = re.findall(r"Exécution : [\d,]+ s, (\d+) requêtes SQL — .* ; fichier [\d,]+ ko", output)
    assert len(executed) == 2
    # No more queries for 300 lines than for 30 (the small run also stores the digests of the 20 accounts it
    # checked first: one statement), and the comparison says so.
    assert int(prepared[0][0]) - 1 == int(prepared[1][0]) and executed[0] == executed[1]
    assert (
        f"Requêtes SQL : préparation {prepared[0][0]} → {prepared[1][0]}, exécution {executed[0]} → {executed[1]} ; "
        "objectif : ne croît pas avec N (objectif atteint)"
    ) in output
    assert "Comparaison 30 → 300 lignes (× 10)" in output
    assert "objectif ≤ 10 s" in output and "objectif ≤ 5 s" in output
    assert "ATTENTION" not in output
    assert re.search(r"Base jetable « (banc_paiements_[0-9a-f]+) » supprimée", output)

    assert _counts() == before
    assert _throwaway_databases() == databases_before
    assert not (tmp_path / "media").exists()


@pytest.mark.django_db
def test_the_benchmark_refuses_to_run_inside_a_transaction():
    need_postgres()
    before, databases_before = _counts(), _throwaway_databases()
    with transaction.atomic(), pytest.raises(CommandError, match="ne peut pas tourner dans une transaction ; rien n'a été fait"):
        call_command("bench_payments", lines=300, accounts=20, stdout=StringIO())
    assert _counts() == before
    assert _throwaway_databases() == databases_before
