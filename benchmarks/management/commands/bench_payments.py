"""Payment runs at scale, on PostgreSQL:
`python manage.py bench_payments [--lines 200000] [--accounts 3000] [--small 1000] [--profile]`.

Everything happens in a throw-away database created on the same server (CREATEDB right needed),
migrated, and dropped at the end: the configured database is not touched (its audit trail is
append-only: rows written there could not be removed), and the measured transactions commit for real,
so that prepare's COMMIT (with the deferred foreign-key checks of 200 000 rows) is timed. SEPA files
go to a temporary MEDIA_ROOT, removed at the end.

1. Creates `--accounts` CFA beneficiary accounts (valid synthetic IBANs, structured addresses) and two
   finance users (one prepares, the other approves).
2. For a small run (`--small`, 1 000 lines) then the large one (`--lines`, 200 000 lines): COPY the
   contracts behind them (one apprenticeship contract and its commitment per INSTALMENTS_PER_CONTRACT
   lines, constant plausible values), their instalments (status payable, due today, the lines' net
   amounts) and the payable lines whose source they are, spread over the accounts, one in 100 a
   trop-perçu (a regularisation instalment) netted against the same CFA's transfer; VACUUM ANALYZE
   (as autovacuum would have); then prepare, approve and execute the run in-process, measuring the
   time and the number of SQL queries (CaptureQueriesContext) of prepare and of execute (file build,
   XSD validation, file written), and the file's size. After prepare (not timed), checks that every
   instalment behind the run's lines was mirrored « in_run » (contracts' mirror_line_status).
3. Prints the figures, the ratios between the two runs and the targets of issue 5: prepare ≤ 10 s,
   file ≤ 5 s for 200 000 instalments of 3 000 CFAs, a number of queries that does not grow with N.

Ids of the contracts, commitments and instalments are reserved from their sequences (nextval) before
the COPY, so the rows can reference each other and the lines can carry the instalments' ids. The
lines keep the spread over the accounts of the lines alone (line i → account i, the trop-perçu on
the account of the line before it), so a contract's instalments go to several CFAs: this changes
nothing to the queries measured, and keeps the figures comparable with the earlier benchmarks.
"""

import cProfile
import io
import json
import pstats
import re
import secrets
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from schwifty import IBAN

from accounts.enums import StaffGroup, UserKind
from accounts.models import User
from contracts.enums import ContractStatus, InstalmentOrigin
from contracts.models import ApprenticeshipContract, Commitment, Instalment
from payments.enums import LineStatus, RunStatus, ScheduleStatus
from payments.models import BeneficiaryAccount, PayableLine
from payments.runs import payment_run_approve, payment_run_execute, payment_run_prepare

PREPARE_TARGET_SECONDS = 10
FILE_TARGET_SECONDS = 5
INSTALMENTS_PER_CONTRACT = 4  # 50 000 contracts (and commitments) for 200 000 lines
SLOW_STATEMENT_SECONDS = 0.05  # statements (grouped by shape) listed under each run
NEGATIVE_EVERY = 100  # one line in 100 is a trop-perçu, netted against the same CFA's transfer
# Instalment kind, reference code and label of a line (as contracts.alternance.payability.line_request writes them).
KINDS = (
    ("advance", "AVANCE", "avance"),
    ("month7", "M7", "7e mois"),
    ("month10", "M10", "10e mois"),
    ("balance", "SOLDE", "solde"),
)
REGULARISATION = ("regularisation", "REGUL", "régularisation")
FIRST_NAMES = ("Camille", "Léa", "Hugo", "Lucas", "Chloé", "Inès", "Nathan", "Manon", "Jules", "Emma", "Yanis", "Sarah", "Adam")
LAST_NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon")
TOWNS = (
    ("75011", "Paris", "rue Oberkampf"),
    ("69003", "Lyon", "cours Lafayette"),
    ("13001", "Marseille", "la Canebière"),
    ("31000", "Toulouse", "rue d'Alsace-Lorraine"),
    ("44000", "Nantes", "quai de la Fosse"),
    ("67000", "Strasbourg", "rue du Dôme"),
    ("59000", "Lille", "rue Nationale"),
    ("35000", "Rennes", "boulevard de la Liberté"),
)


@dataclass
class Measure:
    lines: int
    negatives: int
    setup_seconds: float = 0
    prepare_seconds: float = 0
    prepare_queries: int = 0
    execute_seconds: float = 0
    execute_queries: int = 0
    build_seconds: float = 0
    validate_seconds: float = 0
    file_bytes: int = 0
    run_lines: int = 0
    instalments: int = 0  # created behind the lines
    in_run: int = 0  # instalments behind the run's lines that prepare mirrored « in_run »
    transfers: int = 0
    netted: int = 0
    total: Decimal = Decimal("0")
    control_sum: Decimal | None = None
    status: str = ""
    error: str = ""
    slowest: list[tuple[float, int, str]] | None = None
    profile: str = ""


def _french(number: float, decimals: int = 0) -> str:
    """12 345,67: a narrow no-break space for thousands, a comma for decimals."""
    return f"{number:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


def _euros(amount: Decimal) -> str:
    return f"{_french(amount, 2)} €"


def _size(count: int) -> str:
    return f"{_french(count / 1_000_000, 2)} Mo" if count >= 100_000 else f"{_french(count / 1000, 1)} ko"


class StatementTimer:
    """An execute wrapper that times each statement (grouped by shape, literals removed)."""

    def __init__(self):
        self.groups: dict[str, list[float]] = {}

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            shape = re.sub(r"\s+", " ", re.sub(r"^SELECT .+? FROM", "SELECT … FROM", sql.strip(), flags=re.S))
            self.groups.setdefault(shape, []).append(time.perf_counter() - started)

    def slowest(self, count: int = 5) -> list[tuple[float, int, str]]:
        ranked = sorted(self.groups.items(), key=lambda item: -sum(item[1]))[:count]
        return [(sum(times), len(times), shape) for shape, times in ranked]


class SepaTimer:
    """Times payments.sepa's build and validate while a run executes (module attributes, restored)."""

    def __init__(self):
        self.seconds = {"build_pain_001_001_09": 0.0, "validate": 0.0}

    def __enter__(self):
        from payments import sepa

        self.module, self.originals = sepa, {name: getattr(sepa, name) for name in self.seconds}
        for name, original in self.originals.items():
            setattr(sepa, name, self._timed(name, original))
        return self

    def _timed(self, name, original):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started

        return timed

    def __exit__(self, *exc):
        for name, original in self.originals.items():
            setattr(self.module, name, original)


class Command(BaseCommand):
    help = (
        "Mesure la préparation et l'exécution d'un lot de paiement à l'échelle (PostgreSQL) : 200 000 lignes à payer "
        "pour 3 000 CFA, avec un lot de 1 000 lignes pour comparaison, dans une base jetable créée puis supprimée "
        "sur le même serveur (la base configurée n'est pas modifiée)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--lines", type=int, default=200_000, help="lignes à payer du grand lot (défaut : 200 000)")
        parser.add_argument("--accounts", type=int, default=3_000, help="comptes bénéficiaires (défaut : 3 000)")
        parser.add_argument(
            "--small", type=int, default=1_000, help="lignes du petit lot mesuré d'abord, pour comparaison (défaut : 1 000)"
        )
        parser.add_argument("--profile", action="store_true", help="profiler (cProfile) la préparation et l'exécution")

    def handle(self, *args, lines, accounts, small, profile, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "Ce banc d'essai mesure la base de production : il faut PostgreSQL (DATABASE_URL=postgres://…). "
                f"La base configurée est {connection.vendor} ; rien n'a été fait."
            )
        if lines < 2 or accounts < 1 or small < 1:
            raise CommandError("--lines doit valoir au moins 2, --accounts et --small au moins 1.")
        if connection.in_atomic_block:
            raise CommandError("Le banc crée sa propre base : il ne peut pas tourner dans une transaction ; rien n'a été fait.")
        small = min(small, max(1, lines // 10))
        today = timezone.localdate()
        self.say(
            f"Banc d'essai des lots de paiement — PostgreSQL {connection.pg_version // 10000}, exécution au {today:%d/%m/%Y}"
        )
        self.say(f"{_french(accounts)} comptes bénéficiaires ; lots de {_french(small)} puis {_french(lines)} lignes")
        with (
            tempfile.TemporaryDirectory(prefix="banc-paiements-") as media,
            override_settings(MEDIA_ROOT=media, PAYMENTS_EXECUTION_PAUSE_SECONDS=0),
        ):
            with self.throwaway_database():
                started = time.perf_counter()
                preparer, approver = self._finance_users()
                account_ids = self._create_accounts([self._iban(index) for index in range(accounts)])
                self.say(f"Comptes et utilisateurs créés en {_french(time.perf_counter() - started, 1)} s")
                measures = []
                for count in (small, lines):
                    measure = self.measure(count, account_ids, preparer, approver, today, profile=profile and count == lines)
                    measures.append(measure)
                    self.report(measure)
        self.compare(*measures)

    def say(self, line: str = "") -> None:
        self.stdout.write(line)
        self.stdout.flush()

    @contextmanager
    def throwaway_database(self):
        """A new database on the same server, migrated, used for the measures and dropped at the end:
        the rows are committed for real (prepare's COMMIT and its deferred foreign-key checks are
        timed), and the configured database is left untouched (its audit trail is append-only)."""
        settings_dict = connection.settings_dict
        original = settings_dict["NAME"]
        name = f"banc_paiements_{secrets.token_hex(6)}"
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        except DatabaseError as error:
            raise CommandError(
                f"Impossible de créer la base jetable du banc ({error}) : il faut le droit CREATEDB ; rien n'a été fait."
            ) from error
        try:
            connection.close()
            settings_dict["NAME"] = name
            ContentType.objects.clear_cache()  # its ids are the other database's
            started = time.perf_counter()
            call_command("migrate", verbosity=0, interactive=False)
            self.say(f"Base jetable « {name} » créée et migrée en {_french(time.perf_counter() - started, 1)} s")
            yield name
        finally:
            connection.close()
            settings_dict["NAME"] = original
            ContentType.objects.clear_cache()
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.say(f"Base jetable « {name} » supprimée")

    @staticmethod
    def _iban(index: int) -> str:
        return str(IBAN.generate("FR", bank_code="3000400003", account_code=f"{index + 1:011d}"))

    # --- One measured run ---------------------------------------------------------------------------
    def measure(
        self, count: int, account_ids: list[int], preparer: User, approver: User, today: date, *, profile: bool
    ) -> Measure:
        measure = Measure(lines=count, negatives=sum(1 for index in range(count) if self._negative(index)))
        started = time.perf_counter()
        with transaction.atomic():
            measure.instalments = self._create_lines(count, account_ids, today)
        tables = (PayableLine, BeneficiaryAccount, ApprenticeshipContract, Commitment, Instalment)
        with connection.cursor() as cursor:
            # As autovacuum would have done long before a run: visibility map and statistics.
            cursor.execute(f"VACUUM ANALYZE {', '.join(model._meta.db_table for model in tables)}")
        measure.setup_seconds = time.perf_counter() - started
        profiler = cProfile.Profile() if profile else None

        # Both runs start cold, as a new process would: the same lookups, the same query count.
        preparer, approver = User.objects.get(pk=preparer.pk), User.objects.get(pk=approver.pk)
        ContentType.objects.clear_cache()
        timer = StatementTimer()
        with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(timer):
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            run = payment_run_prepare(actor=preparer, execution_date=today).run
            if profiler:
                profiler.disable()
            measure.prepare_seconds = time.perf_counter() - started
        measure.prepare_queries = len(queries)
        prepare_slowest = timer.slowest()
        measure.run_lines, measure.transfers = run.line_count, run.transfer_count
        measure.netted, measure.total = run.netted_count, run.total
        # Not timed: every instalment behind the run's lines is now « in_run » (the prepare's mirror).
        run_sources = PayableLine.objects.filter(run=run, source_type=ContentType.objects.get_for_model(Instalment))
        measure.in_run = Instalment.objects.filter(id__in=run_sources.values("source_id"), status=ScheduleStatus.IN_RUN).count()

        payment_run_approve(actor=approver, run_id=run.pk)
        ContentType.objects.clear_cache()
        timer = StatementTimer()
        with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(timer), SepaTimer() as sepa_timer:
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            run = payment_run_execute(run_id=run.pk)
            if profiler:
                profiler.disable()
            measure.execute_seconds = time.perf_counter() - started
        measure.execute_queries = len(queries)
        measure.build_seconds = sepa_timer.seconds["build_pain_001_001_09"] - sepa_timer.seconds["validate"]
        measure.validate_seconds = sepa_timer.seconds["validate"]
        measure.status, measure.error, measure.control_sum = run.status, run.error, run.control_sum
        if run.file:
            measure.file_bytes = Path(run.file.path).stat().st_size
        measure.slowest = [("prepare", *row) for row in prepare_slowest] + [("execute", *row) for row in timer.slowest()]
        if profiler:
            measure.profile = self._profile_text(profiler)
        return measure

    @staticmethod
    def _negative(index: int) -> bool:
        return index % NEGATIVE_EVERY == NEGATIVE_EVERY - 1

    @staticmethod
    def _finance_users() -> tuple[User, User]:
        group = Group.objects.get_or_create(name=StaffGroup.FINANCE.value)[0]
        users = []
        for letter in ("a", "b"):
            user = User.objects.create(
                email=f"banc-paiements-{letter}@opco.local",
                kind=UserKind.STAFF,
                first_name="Banc",
                last_name=letter.upper(),
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.add(group)
            users.append(user)
        return users[0], users[1]

    @staticmethod
    def _create_accounts(ibans: list[str]) -> list[int]:
        accounts = BeneficiaryAccount.objects.bulk_create(
            [
                BeneficiaryAccount(
                    kind="cfa",
                    identifier=Command._identifier(index),
                    name=f"CFA banc d'essai n° {index + 1}",
                    street=TOWNS[index % len(TOWNS)][2],
                    building_number=str(1 + index % 180),
                    postal_code=TOWNS[index % len(TOWNS)][0],
                    town=TOWNS[index % len(TOWNS)][1],
                    iban=iban,
                    bic="BNPAFRPP",
                )
                for index, iban in enumerate(ibans)
            ],
            batch_size=5000,
        )
        return [account.pk for account in accounts]

    @staticmethod
    def _account_position(index: int, accounts: int) -> int:
        """Positive lines go round the accounts; a negative one joins the line before it."""
        if Command._negative(index):
            return (index - 1 - index // NEGATIVE_EVERY) % accounts
        return (index - (index + 1) // NEGATIVE_EVERY) % accounts

    @staticmethod
    def _identifier(position: int) -> str:
        return f"{99_000_000_000_000 + position:014d}"

    @staticmethod
    def _reserve_ids(cursor, model, count: int) -> list[int]:
        """`count` ids from the table's own sequence, so that the COPY can give them (and others refer to them)."""
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [model._meta.db_table, count]
        )
        return [row[0] for row in cursor.fetchall()]

    def _create_lines(self, count: int, account_ids: list[int], today: date) -> int:
        """COPY `count` payable lines and what they come from: instalments (payable, due today, the
        lines' net amounts), INSTALMENTS_PER_CONTRACT per apprenticeship contract and its commitment.
        One line in NEGATIVE_EVERY is a trop-perçu (a regularisation instalment) on the account of the
        line before it (positive, larger), so that it is netted against that account's transfer."""
        contracts = -(-count // INSTALMENTS_PER_CONTRACT)
        content_type = ContentType.objects.get_for_model(Instalment).pk
        now = timezone.now()
        start = date(today.year - 1, 9, 1)
        # Constant, plausible values for the NOT NULL columns (Django defaults are not database defaults).
        contract_constants = {
            "deca_number": "",
            "status": ContractStatus.RUNNING.value,
            "contract_type": "11",
            "employer_siret": "99100000000018",
            "employer_name": "Boulangerie du banc d'essai",
            "employer_idcc": "0843",
            "apprentice_birth_date": date(today.year - 19, 5, 14),
            "apprentice_nir": "",
            "apprentice_handicap": False,
            "rncp": "RNCP35316",
            "code_diplome": "50022137",
            "level": 3,
            "training_title": "CAP Boulanger",
            "training_start": start,
            "training_hours": Decimal("800.00"),
            "distance_pct": Decimal("0.00"),
            "cfa_uai": "0751234A",
            "signed_on": start.replace(month=8, day=20),
            "start_date": start,
            "end_date": date(today.year + 1, 8, 31),
            "practical_training_start": start,
            "received_on": start.replace(month=8, day=25),
            "implicit_refusal": False,
            "implicit_acceptance": False,
            "contract_kind": "apprentissage",
            "priority_public": False,
            "geiq": False,
            "depositor_email": "",
            "incomplete_message": "",
            "refusal_codes": "[]",
            "refusal_text": "",
            "payload": "{}",
            "created_at": now,
            "updated_at": now,
        }
        commitment_constants = {
            "regime": "R2025",
            "npec": Decimal("7500.00"),
            "npec_source": "input",
            "npec_origin": "banc d'essai des lots de paiement",
            "annual_amount": Decimal("7500.00"),
            "employer_participation": Decimal("0.00"),
            "financial_section": "alternance",
            "engine_input": "{}",
            "created_at": now,
        }
        with connection.cursor() as cursor:
            contract_ids = self._reserve_ids(cursor, ApprenticeshipContract, contracts)
            commitment_ids = self._reserve_ids(cursor, Commitment, contracts)
            instalment_ids = self._reserve_ids(cursor, Instalment, count)
            raw = cursor.cursor
            names = []
            columns = ", ".join(
                ["id", "file_number", "apprentice_first_name", "apprentice_last_name", "cfa_siret", *contract_constants]
            )
            constants = tuple(contract_constants.values())
            with raw.copy(f"COPY {ApprenticeshipContract._meta.db_table} ({columns}) FROM STDIN") as copy:
                for number, contract_id in enumerate(contract_ids):
                    file_number = f"AP2025{contract_id:07d}"
                    first, last = FIRST_NAMES[number % len(FIRST_NAMES)], LAST_NAMES[(number // 7) % len(LAST_NAMES)]
                    names.append((file_number, f"{first[0]}{last[0]}"))
                    cfa = self._identifier(self._account_position(number * INSTALMENTS_PER_CONTRACT, len(account_ids)))
                    copy.write_row((contract_id, file_number, first, last, cfa, *constants))
            columns = ", ".join(["id", "contract_id", *commitment_constants])
            constants = tuple(commitment_constants.values())
            with raw.copy(f"COPY {Commitment._meta.db_table} ({columns}) FROM STDIN") as copy:
                for commitment_id, contract_id in zip(commitment_ids, contract_ids, strict=True):
                    copy.write_row((commitment_id, contract_id, *constants))
            rows = []  # (instalment id, account, amount, reference, label)
            columns = "id, commitment_id, year, kind, due_date, gross, deduction, net, status, origin, created_at"
            with raw.copy(f"COPY {Instalment._meta.db_table} ({columns}) FROM STDIN") as copy:
                for index, instalment_id in enumerate(instalment_ids):
                    number = index // INSTALMENTS_PER_CONTRACT
                    if self._negative(index):
                        kind, code, label = REGULARISATION
                        amount = -Decimal(5 + index % 40)
                    else:
                        kind, code, label = KINDS[index % INSTALMENTS_PER_CONTRACT % len(KINDS)]
                        amount = Decimal(100 + (index * 7919) % 4900) + Decimal(index % 100) / 100
                    copy.write_row(
                        (
                            instalment_id,
                            commitment_ids[number],
                            1,
                            kind,
                            today,
                            amount,
                            Decimal("0.00"),
                            amount,
                            ScheduleStatus.PAYABLE.value,
                            InstalmentOrigin.DECISION.value,
                            now,
                        )
                    )
                    file_number, initials = names[number]
                    rows.append(
                        (
                            instalment_id,
                            account_ids[self._account_position(index, len(account_ids))],
                            amount,
                            f"{file_number} {initials} A1 {code}",
                            f"Contrat {file_number} – {initials} – année 1 – {label}",
                        )
                    )
            columns = "account_id, source_type_id, source_id, amount, due_date, reference, label, section, status, created_at"
            columns += ", updated_at"
            with raw.copy(f"COPY {PayableLine._meta.db_table} ({columns}) FROM STDIN") as copy:
                for instalment_id, account, amount, reference, label in rows:
                    copy.write_row(
                        (
                            account,
                            content_type,
                            instalment_id,
                            amount,
                            today,
                            reference,
                            label,
                            "alternance",
                            LineStatus.PAYABLE.value,
                            now,
                            now,
                        )
                    )
        return count

    @staticmethod
    def _profile_text(profiler: cProfile.Profile) -> str:
        report = io.StringIO()
        stats = pstats.Stats(profiler, stream=report)
        stats.sort_stats("cumulative").print_stats(r"payments|opco|contracts", 25)
        stats.sort_stats("tottime").print_stats(15)
        return report.getvalue()

    # --- Output -----------------------------------------------------------------------------------
    def report(self, m: Measure) -> None:
        self.say("")
        self.say(f"Lot de {_french(m.lines)} lignes (dont {_french(m.negatives)} trop-perçus)")
        self.say(
            f"  Mise en place (contrats, engagements, échéances et lignes par COPY, VACUUM ANALYZE ; non mesurée) : "
            f"{_french(m.setup_seconds, 1)} s — {_french(-(-m.lines // INSTALMENTS_PER_CONTRACT))} contrats, "
            f"{_french(m.instalments)} échéances « à payer »"
        )
        self.say(
            f"  Préparation (COMMIT compris) : {_french(m.prepare_seconds, 2)} s, {m.prepare_queries} requêtes SQL — "
            f"{_french(m.run_lines)} lignes, {_french(m.transfers)} virements, {_french(m.netted)} trop-perçus imputés, "
            f"{_euros(m.total)}"
        )
        self.say(
            f"  Échéances (contracts) passées « en cours de paiement » par la préparation : {_french(m.in_run)} "
            f"pour {_french(m.run_lines)} lignes du lot"
        )
        if m.in_run != m.run_lines:
            self.say(f"  ATTENTION : {_french(m.run_lines - m.in_run)} échéances du lot ne sont pas « en cours de paiement »")
        self.say(
            f"  Exécution : {_french(m.execute_seconds, 2)} s, {m.execute_queries} requêtes SQL — construction du fichier "
            f"{_french(m.build_seconds, 2)} s, validation XSD et contrôles {_french(m.validate_seconds, 2)} s ; "
            f"fichier {_size(m.file_bytes)}"
        )
        if m.status != RunStatus.FILE_READY:
            self.say(f"  ATTENTION : le lot a fini « {m.status} » : {m.error}")
        elif m.control_sum != m.total:
            self.say(f"  ATTENTION : somme de contrôle {_euros(m.control_sum)} ≠ total du lot {_euros(m.total)}")
        else:
            self.say(f"  Somme de contrôle du fichier = total des lignes en base : {_euros(m.control_sum)}")
        if m.run_lines != m.lines:
            self.say(f"  ATTENTION : le lot a pris {_french(m.run_lines)} lignes pour {_french(m.lines)} créées")
        slowest = [row for row in m.slowest or [] if row[1] >= SLOW_STATEMENT_SECONDS]
        if slowest:
            self.say(f"  Requêtes SQL de plus de {_french(SLOW_STATEMENT_SECONDS * 1000)} ms :")
            for phase, seconds, count, shape in slowest:
                label = "préparation" if phase == "prepare" else "exécution"
                self.say(f"    {label} {_french(seconds * 1000)} ms ({count}×) — {shape[:160]}")
        if m.profile:
            self.say("  Profil (cProfile) de la préparation et de l'exécution :")
            self.say(m.profile)

    def compare(self, small: Measure, large: Measure) -> None:
        def verdict(ok: bool) -> str:
            return "atteint" if ok else "NON atteint"

        self.say("")
        self.say(f"Comparaison {_french(small.lines)} → {_french(large.lines)} lignes (× {_french(large.lines / small.lines)})")
        self.say(
            f"  Préparation : {_french(small.prepare_seconds, 2)} s → {_french(large.prepare_seconds, 2)} s "
            f"(× {_french(large.prepare_seconds / small.prepare_seconds, 1)}) ; objectif ≤ {PREPARE_TARGET_SECONDS} s : "
            f"rapport objectif/mesure {_french(PREPARE_TARGET_SECONDS / large.prepare_seconds, 2)} "
            f"(objectif {verdict(large.prepare_seconds <= PREPARE_TARGET_SECONDS)})"
        )
        self.say(
            f"  Fichier (exécution : construction, validation XSD, écriture) : {_french(small.execute_seconds, 2)} s → "
            f"{_french(large.execute_seconds, 2)} s (× {_french(large.execute_seconds / small.execute_seconds, 1)}) ; "
            f"objectif ≤ {FILE_TARGET_SECONDS} s : rapport objectif/mesure "
            f"{_french(FILE_TARGET_SECONDS / large.execute_seconds, 2)} "
            f"(objectif {verdict(large.execute_seconds <= FILE_TARGET_SECONDS)})"
        )
        same = large.prepare_queries <= small.prepare_queries and large.execute_queries <= small.execute_queries
        self.say(
            f"  Requêtes SQL : préparation {small.prepare_queries} → {large.prepare_queries}, exécution "
            f"{small.execute_queries} → {large.execute_queries} ; objectif : ne croît pas avec N (objectif {verdict(same)})"
        )
        self.say(f"  Taille du fichier : {_size(small.file_bytes)} → {_size(large.file_bytes)}")
        self.say(
            f"  Chaque ligne a son échéance de contrat derrière elle ({INSTALMENTS_PER_CONTRACT} par contrat) : la préparation "
            f"compte aussi la recopie du statut vers les échéances, {_french(large.in_run)} échéances mises à jour "
            "pour le grand lot."
        )
        # The last line: the large run's figures, one JSON object (README « Bancs d'essai »).
        self.say(
            json.dumps(
                {
                    "lines": large.lines,
                    "prepare_s": round(large.prepare_seconds, 2),
                    "execute_s": round(large.execute_seconds, 2),
                    "queries_prepare": large.prepare_queries,
                    "queries_execute": large.execute_queries,
                }
            )
        )
