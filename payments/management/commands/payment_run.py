"""`python manage.py payment_run prepare|approve|execute`: payment runs from the command line, for
operations and scripted checks (issue 5). Messages in French; the last line of stdout is what a script
reads (the run id after prepare, the absolute path of the SEPA file after execute). A refusal changes
nothing and exits with code 2; a run that fails or does not finish in time exits with code 1; a prepare
that only issued recovery orders (no transfer, so no run) exits with code 3."""

import time
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from opco import audit
from opco.models import AuditEntry
from opco.money import euros
from payments.enums import RunStatus
from payments.models import PaymentRun
from payments.runs import EXECUTABLE, EXECUTED, RunRefused, payment_run_approve, payment_run_execute, payment_run_prepare

SOURCE = AuditEntry.Source.COMMAND
POLL_SECONDS = 0.5
FAILED = 1
REFUSED = 2
NO_RUN = 3  # prepare issued recovery orders but had no transfer to make: no run id to print


class Erreur(CommandError):
    """Django prints a command error as « <class name>: <message> »: the name is French too."""


def _refused(message: str) -> CommandError:
    return Erreur(message, returncode=REFUSED)


def _not_executable(run: PaymentRun) -> CommandError:
    return _refused(f"Impossible d'exécuter ce lot : le {run} est « {run.get_status_display()} ».")


class Command(BaseCommand):
    help = (
        "Lots de paiement : « prepare » prépare un lot pour une date d'exécution, « approve » l'approuve (par un autre "
        "membre du service financier), « execute » produit le fichier SEPA (par le worker Celery, ou ici avec --sync). "
        "Refus : code 2, rien n'est modifié ; échec de l'exécution ou délai dépassé : code 1 ; préparation qui n'a émis "
        "que des titres de recette (aucun lot) : code 3."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION", title="actions")
        prepare = actions.add_parser("prepare", help="préparer un lot ; dernière ligne : son numéro")
        prepare.add_argument("--date", required=True, dest="execution_date", metavar="AAAA-MM-JJ", help="date d'exécution")
        prepare.add_argument("--by", required=True, metavar="EMAIL", help="adresse e-mail du membre du service financier")

        approve = actions.add_parser("approve", help="approuver un lot préparé par quelqu'un d'autre")
        approve.add_argument("run_id", type=int, metavar="RUN_ID", help="numéro du lot")
        approve.add_argument("--by", required=True, metavar="EMAIL", help="adresse e-mail du membre du service financier")

        execute = actions.add_parser("execute", help="produire le fichier SEPA ; dernière ligne : son chemin absolu")
        execute.add_argument("run_id", type=int, metavar="RUN_ID", help="numéro du lot")
        execute.add_argument("--sync", action="store_true", help="exécuter dans ce processus plutôt que par le worker Celery")
        execute.add_argument(
            "--timeout", type=float, default=600.0, metavar="SECONDES", help="attente maximale du worker (600 s par défaut)"
        )

    def handle(self, *args, action, **options):
        try:
            if action == "prepare":
                self._prepare(options["execution_date"], options["by"])
            elif action == "approve":
                self._approve(options["run_id"], options["by"])
            else:
                self._execute(options["run_id"], sync=options["sync"], timeout=options["timeout"])
        except (RunRefused, PermissionDenied) as error:
            raise _refused(str(error)) from None
        except ValidationError as error:
            raise _refused(" ; ".join(error.messages)) from None

    # --- actions ----------------------------------------------------------------------------------
    def _prepare(self, execution_date: str, email: str) -> None:
        try:
            day = date.fromisoformat(execution_date)
        except ValueError:
            raise _refused(f"Date d'exécution invalide « {execution_date} » : format attendu AAAA-MM-JJ.") from None
        preparation = payment_run_prepare(actor=self._user(email), execution_date=day, source=SOURCE)
        run, orders = preparation.run, preparation.recovery_orders
        orders_line = f"Titres de recette : {len(orders)}" + (
            f" ({', '.join(f'{order.number} : {euros(order.amount)}' for order in orders)})" if orders else ""
        )
        if run is None:
            # Only trop-perçus with nothing left to net against: their recovery orders stand, no run.
            self.stdout.write(orders_line)
            raise Erreur(
                f"Aucun virement à émettre au {day:%d/%m/%Y} : aucun lot n'a été créé, {len(orders)} titre(s) de recette émis.",
                returncode=NO_RUN,
            )
        self.stdout.write(f"{run} préparé par {email}.")
        self.stdout.write(f"Lignes : {run.line_count} (dont {run.netted_count} trop-perçu(s) imputé(s))")
        self.stdout.write(f"Virements : {run.transfer_count}")
        self.stdout.write(f"Montant : {euros(run.total)}")
        self.stdout.write(orders_line)
        self.stdout.write(f"Trop-perçus en attente d'imputation : {preparation.left_for_netting}")
        self.stdout.write(f"À faire approuver par un autre membre du service financier : payment_run approve {run.pk} --by …")
        self.stdout.write(str(run.pk))

    def _approve(self, run_id: int, email: str) -> None:
        run = payment_run_approve(actor=self._user(email), run_id=run_id, source=SOURCE)
        self.stdout.write(f"{run} approuvé par {email} : {run.transfer_count} virement(s), {euros(run.total)}.")
        self.stdout.write(f"Exécution : payment_run execute {run.pk}")

    def _execute(self, run_id: int, *, sync: bool, timeout: float) -> None:
        run = PaymentRun.objects.filter(pk=run_id).first()
        if run is None:
            raise _refused(f"Le lot n° {run_id} n'existe pas.")
        if run.status == RunStatus.FAILED:
            raise Erreur(f"Le {run} a échoué : {run.error}", returncode=FAILED)
        if run.status not in (*EXECUTED, *EXECUTABLE):
            raise _not_executable(run)
        if run.status in EXECUTED:
            self.stdout.write(f"{run} déjà exécuté ({run.get_status_display()}) : rien n'a été modifié.")
        elif sync:
            run = payment_run_execute(run_id=run.pk, source=SOURCE)
        else:
            self._request(run.pk)
            run = self._wait(run.pk, timeout)
        self._finish(run)

    # --- helpers ----------------------------------------------------------------------------------
    def _user(self, email: str):
        user = get_user_model().objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise _refused(f"Aucun utilisateur actif n'a l'adresse « {email} ».")
        return user

    def _request(self, run_id: int) -> None:
        """Queue the execution on the Celery worker. No user here: the command acts for the system."""
        from payments.tasks import execute_payment_run

        with transaction.atomic():
            run = PaymentRun.objects.select_for_update(of=("self",)).get(pk=run_id)
            if run.status not in EXECUTABLE:
                raise _not_executable(run)
            already_running = run.status == RunStatus.EXECUTING
            if not already_running:
                audit.record(
                    actor=None,
                    action="payments.run.execution_requested",
                    target=run,
                    summary=f"Exécution du {run} demandée",
                    source=SOURCE,
                )
        if already_running:
            # A worker holds it (or its message will be redelivered, acks_late): queueing it again would
            # only make two workers build the same file.
            self.stdout.write(f"{run} déjà en cours d'exécution : attente de la fin.")
            return
        # After the commit, so that the worker sees the approved run.
        execute_payment_run.delay(run_id)
        self.stdout.write(f"Exécution du {run} confiée au worker Celery : attente de la fin.")

    def _wait(self, run_id: int, timeout: float) -> PaymentRun:
        deadline = time.monotonic() + timeout
        while True:
            run = PaymentRun.objects.get(pk=run_id)
            if run.finished:
                return run
            if time.monotonic() >= deadline:
                raise Erreur(
                    f"Le {run} n'est pas terminé après {timeout:g} s (« {run.get_status_display()} », "
                    f"{run.progress_done}/{run.progress_total} virement(s) contrôlé(s)) : le worker Celery est-il démarré ? "
                    "L'exécution se poursuivra ; relancez la commande pour attendre encore.",
                    returncode=FAILED,
                )
            time.sleep(POLL_SECONDS)

    def _finish(self, run: PaymentRun) -> None:
        if run.status == RunStatus.FAILED:
            raise Erreur(f"Le {run} a échoué : {run.error}", returncode=FAILED)
        if run.status not in EXECUTED or not run.file:
            raise Erreur(f"Le {run} est « {run.get_status_display()} » : il n'a pas produit de fichier.", returncode=FAILED)
        path = Path(run.file.path).resolve()
        if not path.is_file():
            raise Erreur(f"Le fichier SEPA du {run} est introuvable : {path}", returncode=FAILED)
        self.stdout.write(f"Fichier SEPA prêt : {run.transaction_count} virement(s), somme de contrôle {euros(run.control_sum)}.")
        self.stdout.write(str(path))
