"""`manage.py payment_run prepare|approve|execute`: French messages, last-line contracts (run id, absolute
path of the SEPA file), refusals with exit code 2 that change nothing, failures and timeouts with 1."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from opco.models import AuditEntry
from payments.enums import LineStatus, RunStatus
from payments.models import PayableLine, PaymentRun, RecoveryOrder, Transfer
from payments.runs import payment_run_prepare
from tests.conftest import need_postgres
from tests.payments.factories import approved_run, cfa_account, payable_line

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def run_command(*args) -> tuple[list[str], str]:
    """call_command with captured output: (stdout lines, stderr)."""
    out, err = StringIO(), StringIO()
    call_command("payment_run", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines(), err.getvalue()


def refused(*args) -> CommandError:
    with pytest.raises(CommandError) as error:
        run_command(*args)
    return error.value


def run_state(run_id: int) -> tuple:
    return (
        PaymentRun.objects.filter(pk=run_id).values().first(),
        list(PayableLine.objects.order_by("id").values_list("id", "status", "run_id")),
        list(Transfer.objects.order_by("id").values_list("id", "status")),
        AuditEntry.objects.count(),
    )


def today() -> str:
    return timezone.localdate().isoformat()


# --- prepare --------------------------------------------------------------------------------------
def test_prepare_prints_a_french_summary_then_the_run_id(finance):
    a = cfa_account()
    payable_line(a, "10.00")
    payable_line(a, "-30.00")  # more than the transfer: waits for the next run
    b = cfa_account()
    payable_line(b, "1250.50")
    payable_line(b, "-50.00")  # netted
    c = cfa_account()
    payable_line(c, "-40.00")  # nothing to net against, nothing to come: titre de recette

    lines, err = run_command("prepare", "--date", today(), "--by", "FINANCE1@example.org")

    run = PaymentRun.objects.get()
    order = RecoveryOrder.objects.get()
    assert lines == [
        f"{run} préparé par FINANCE1@example.org.",
        "Lignes : 3 (dont 1 trop-perçu(s) imputé(s))",
        "Virements : 2",
        "Montant : 1\u202f210,50 €",
        f"Titres de recette : 1 ({order.number} : 40,00 €)",
        "Trop-perçus en attente d'imputation : 1",
        f"À faire approuver par un autre membre du service financier : payment_run approve {run.pk} --by …",
        str(run.pk),
    ]
    assert err == ""
    assert (run.status, run.prepared_by_id, str(run.total)) == (RunStatus.PREPARED, finance.pk, "1210.50")
    assert list(AuditEntry.objects.filter(action="payments.run.prepared").values_list("source", "actor_id")) == [
        (AuditEntry.Source.COMMAND, finance.pk)
    ]


@pytest.mark.parametrize(
    ("who", "with_lines", "message"),
    [
        ("finance", False, "Aucune ligne n'est payable au {day} : aucun lot n'a été créé."),
        ("personne@example.org", True, "Aucun utilisateur actif n'a l'adresse « personne@example.org »."),
        ("staff", True, "Seul un membre du service financier peut préparer un lot de paiement."),
    ],
)
def test_prepare_refusals_exit_2_and_create_nothing(request, who, with_lines, message):
    email = request.getfixturevalue(who).email if who in ("finance", "staff") else who
    if with_lines:
        payable_line(cfa_account(), "10.00")
    before = (list(PayableLine.objects.values_list("id", "status", "run_id")), AuditEntry.objects.count())

    error = refused("prepare", "--date", today(), "--by", email)

    assert error.returncode == 2
    assert str(error) == message.format(day=timezone.localdate().strftime("%d/%m/%Y"))
    assert not PaymentRun.objects.exists()
    assert (list(PayableLine.objects.values_list("id", "status", "run_id")), AuditEntry.objects.count()) == before


def test_prepare_with_only_recovery_orders_exits_3_without_a_run(finance):
    account = cfa_account()
    payable_line(account, "-40.00")

    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as error:
        call_command("payment_run", "prepare", "--date", today(), "--by", finance.email, stdout=out, stderr=err)

    order = RecoveryOrder.objects.get()
    assert (order.account_id, str(order.amount)) == (account.pk, "40.00")
    assert out.getvalue().splitlines() == [f"Titres de recette : 1 ({order.number} : 40,00 €)"]
    assert (error.value.returncode, str(error.value)) == (
        3,
        f"Aucun virement à émettre au {timezone.localdate():%d/%m/%Y} : aucun lot n'a été créé, 1 titre(s) de recette émis.",
    )
    assert not PaymentRun.objects.exists()


@pytest.mark.parametrize("day", ["16/09/2025", "2025-02-30", "demain"])
def test_prepare_refuses_an_unreadable_date(finance, day):
    error = refused("prepare", "--date", day, "--by", finance.email)

    assert (error.returncode, str(error)) == (2, f"Date d'exécution invalide « {day} » : format attendu AAAA-MM-JJ.")
    assert not PaymentRun.objects.exists()


def test_prepare_refuses_a_past_date(finance):
    payable_line(cfa_account(), "10.00")

    error = refused("prepare", "--date", "2020-01-02", "--by", finance.email)

    assert (error.returncode, str(error)) == (2, "La date d'exécution ne peut pas être passée.")
    assert not PaymentRun.objects.exists()


# --- approve --------------------------------------------------------------------------------------
@pytest.fixture
def prepared(finance):
    payable_line(cfa_account(), "120.00")
    payable_line(cfa_account(), "80.00")
    return payment_run_prepare(actor=finance, execution_date=timezone.localdate()).run


def test_approve_by_another_finance_user(prepared, finance2):
    lines, err = run_command("approve", str(prepared.pk), "--by", finance2.email)

    prepared.refresh_from_db()
    assert lines == [
        f"{prepared} approuvé par {finance2.email} : 2 virement(s), 200,00 €.",
        f"Exécution : payment_run execute {prepared.pk}",
    ]
    assert (prepared.status, prepared.approved_by_id) == (RunStatus.APPROVED, finance2.pk)
    assert list(AuditEntry.objects.filter(action="payments.run.approved").values_list("source", "actor_id")) == [
        (AuditEntry.Source.COMMAND, finance2.pk)
    ]


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("finance", "Vous avez préparé ce lot : il doit être approuvé par un autre membre du service financier."),
        ("staff", "Seul un membre du service financier peut approuver un lot de paiement."),
        ("inconnu@example.org", "Aucun utilisateur actif n'a l'adresse « inconnu@example.org »."),
    ],
)
def test_approve_refusals_exit_2_and_change_nothing(prepared, request, who, message):
    email = request.getfixturevalue(who).email if who in ("finance", "staff") else who
    before = run_state(prepared.pk)

    error = refused("approve", str(prepared.pk), "--by", email)

    assert (error.returncode, str(error)) == (2, message)
    assert run_state(prepared.pk) == before


def test_approve_refuses_an_unknown_run(finance2):
    error = refused("approve", "999999", "--by", finance2.email)

    assert (error.returncode, str(error)) == (2, "Le lot n° 999999 n'existe pas.")


def test_a_deactivated_finance_user_cannot_approve(prepared, finance2):
    finance2.is_active = False
    finance2.save(update_fields=["is_active"])
    before = run_state(prepared.pk)

    error = refused("approve", str(prepared.pk), "--by", finance2.email)

    assert (error.returncode, str(error)) == (2, f"Aucun utilisateur actif n'a l'adresse « {finance2.email} ».")
    assert run_state(prepared.pk) == before


# --- execute --------------------------------------------------------------------------------------
def expected_path(run: PaymentRun) -> Path:
    return (Path(django_settings.MEDIA_ROOT) / "payments" / "runs" / f"{run.message_id}.xml").resolve()


def test_execute_sync_prints_the_absolute_path_and_a_second_execute_changes_nothing(finance, finance2):
    run = approved_run(finance, finance2, [["100.00"], ["23.45", "1.10"]])

    lines, err = run_command("execute", str(run.pk), "--sync")

    run.refresh_from_db()
    assert run.status == RunStatus.FILE_READY, run.error
    path = Path(lines[-1])
    assert path.is_absolute() and path == expected_path(run) and path.is_file()
    assert lines == ["Fichier SEPA prêt : 2 virement(s), somme de contrôle 124,55 €.", str(path)]
    assert err == ""
    assert list(AuditEntry.objects.filter(action="payments.run.file_ready").values_list("source", flat=True)) == [
        AuditEntry.Source.COMMAND
    ]
    content, before = path.read_bytes(), run_state(run.pk)

    again, _ = run_command("execute", str(run.pk), "--sync")

    assert again == [
        f"{run} déjà exécuté (Fichier prêt) : rien n'a été modifié.",
        "Fichier SEPA prêt : 2 virement(s), somme de contrôle 124,55 €.",
        str(path),
    ]
    assert run_state(run.pk) == before and path.read_bytes() == content


def test_execute_through_the_worker_waits_for_the_file(finance, finance2):
    # Tests run Celery eagerly (settings_test): the task runs inside `delay`, the command then polls.
    run = approved_run(finance, finance2, [["310.00"]])

    lines, _ = run_command("execute", str(run.pk))

    run.refresh_from_db()
    assert run.status == RunStatus.FILE_READY
    assert lines == [
        f"Exécution du {run} confiée au worker Celery : attente de la fin.",
        "Fichier SEPA prêt : 1 virement(s), somme de contrôle 310,00 €.",
        str(expected_path(run)),
    ]
    assert list(
        AuditEntry.objects.filter(action__startswith="payments.run.", target_id=str(run.pk))
        .order_by("id")
        .values_list("action", "source", "actor_label")
    ) == [
        ("payments.run.prepared", AuditEntry.Source.WEB, finance.email),
        ("payments.run.approved", AuditEntry.Source.WEB, finance2.email),
        ("payments.run.execution_requested", AuditEntry.Source.COMMAND, "système"),
        ("payments.run.file_ready", AuditEntry.Source.TASK, "système"),
    ]
    again, _ = run_command("execute", str(run.pk))
    assert again[-1] == lines[-1]


def test_execute_times_out_with_exit_1_when_no_worker_answers(finance, finance2, monkeypatch):
    from payments.management.commands import payment_run as command
    from payments.tasks import execute_payment_run

    queued = []
    monkeypatch.setattr(execute_payment_run, "delay", queued.append)
    monkeypatch.setattr(command, "POLL_SECONDS", 0.01)
    run = approved_run(finance, finance2, [["310.00"]])

    error = refused("execute", str(run.pk), "--timeout", "0.05")

    assert queued == [run.pk]
    assert error.returncode == 1
    assert str(error) == (
        f"Le {run} n'est pas terminé après 0.05 s (« Approuvé », 0/1 virement(s) contrôlé(s)) : le worker Celery est-il "
        "démarré ? L'exécution se poursuivra ; relancez la commande pour attendre encore."
    )
    assert PaymentRun.objects.get(pk=run.pk).status == RunStatus.APPROVED

    # A run a worker already holds is waited for, not queued a second time.
    PaymentRun.objects.filter(pk=run.pk).update(status=RunStatus.EXECUTING)
    audits = AuditEntry.objects.count()
    assert refused("execute", str(run.pk), "--timeout", "0.05").returncode == 1
    assert queued == [run.pk] and AuditEntry.objects.count() == audits


@pytest.mark.parametrize("sync", [True, False])
def test_execute_refuses_a_run_not_approved(prepared, sync):
    before = run_state(prepared.pk)

    error = refused("execute", str(prepared.pk), *(["--sync"] if sync else []))

    assert (error.returncode, str(error)) == (2, f"Impossible d'exécuter ce lot : le {prepared} est « Préparé ».")
    assert run_state(prepared.pk) == before


def test_execute_refuses_an_unknown_run():
    error = refused("execute", "999999", "--sync")

    assert (error.returncode, str(error)) == (2, "Le lot n° 999999 n'existe pas.")


def test_a_failed_execution_exits_1_with_its_error(finance, finance2, settings):
    run = approved_run(finance, finance2, [["55.00"]])
    settings.OPCO_IBAN = "FR0000000000000000000000000"  # the debtor account is wrong: the builder refuses

    error = refused("execute", str(run.pk), "--sync")

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error == "L'IBAN du donneur d'ordre est invalide."
    assert (error.returncode, str(error)) == (1, f"Le {run} a échoué : L'IBAN du donneur d'ordre est invalide.")
    before = run_state(run.pk)
    assert refused("execute", str(run.pk)).returncode == 1
    assert run_state(run.pk) == before
    assert not list(Path(django_settings.MEDIA_ROOT).rglob("*.xml"))


# --- a real process -------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_command_line_for_real(finance, finance2, tmp_path):
    """Through `manage.py` in a subprocess, against this test database (committed rows: transactional
    test): exit codes, French stderr, and the last lines a script reads."""
    need_postgres()
    database = connection.settings_dict
    credentials = f"{quote(database['USER'] or '')}:{quote(database['PASSWORD'] or '')}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opco.settings_test",
        "DATABASE_URL": f"postgres://{credentials}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DEBUG": "0",
    }

    def manage(*args) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", "payment_run", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    payable_line(cfa_account(), "99.99")

    prepared = manage("prepare", "--date", today(), "--by", finance.email)
    assert prepared.returncode == 0, prepared.stderr
    run = PaymentRun.objects.get()
    assert prepared.stdout.splitlines()[-1] == str(run.pk)

    same_person = manage("approve", str(run.pk), "--by", finance.email)
    assert same_person.returncode == 2
    assert (
        same_person.stderr.strip()
        == "Erreur: Vous avez préparé ce lot : il doit être approuvé par un autre membre du service financier."
    )
    assert same_person.stdout == ""
    assert PaymentRun.objects.get().status == RunStatus.PREPARED

    assert manage("approve", str(run.pk), "--by", finance2.email).returncode == 0

    executed = manage("execute", str(run.pk))
    assert executed.returncode == 0, executed.stderr
    run.refresh_from_db()
    path = Path(executed.stdout.splitlines()[-1])
    assert path == (tmp_path / "media" / "payments" / "runs" / f"{run.message_id}.xml").resolve()
    assert path.is_absolute() and path.is_file() and run.status == RunStatus.FILE_READY

    again = manage("execute", str(run.pk), "--sync")
    assert (again.returncode, again.stdout.splitlines()[-1]) == (0, str(path))
    assert PayableLine.objects.get().status == LineStatus.IN_RUN
