"""Contract files at scale, on PostgreSQL:
`python manage.py bench_contracts [--count 100000] [--import-sample 10000] [--seed N] [--profile]`.

1. Loads the referentials that are missing (certifications, CFAs, IDCC and branches, NAF, holidays…).
2. Generates varied, realistic deposit payloads: real CFAs and certifications of the referentials,
   employers of the OPCO's branches with valid synthetic SIRETs, apprentices of 15 to 30, one or two
   masters, pay periods at the legal minimum or above (a few below: the checks must find them).
3. Imports `--import-sample` of them through the real path (`contract_import_run` on a JSON lines
   file: deposit, masters, pay periods, audit, every check) and reports the rate against the
   target: 10 000 contracts in less than 60 s.
4. Creates the rest quickly (bulk_create of contracts, masters and pay periods, without checks nor
   audit: clearly a filler, labelled as such) to reach `--count` files in the database.
5. Times the contract list page and a filtered list (status + level + branch) with the Django test
   client logged in as staff: p50 / p95 over `--requests` calls, and SQL queries per page; then the
   page a representative of that branch opens (their figures: a representative sees no contract file).
"""

import cProfile
import io
import json
import math
import pstats
import random
import re
import statistics
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.db.models import CharField, Count, F, Value
from django.db.models.functions import Cast, Concat, ExtractYear, LPad
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, reverse

from accounts.enums import UserKind
from accounts.models import User
from branches.models import Branch, BranchIdcc
from contracts.alternance.imports import contract_import_run, deposit_or_refuse
from contracts.alternance.workflow import decision_deadline
from contracts.enums import ContractStatus
from contracts.models import ApprenticeshipContract, ApprenticeshipMaster, ContractImport, PayPeriod
from contracts.views.instruction import ContractListView
from demo.contracts import Generator
from opco.lists import encode_cursor, sort_order
from referentials.models import Certification, Company, Idcc, LegalParameter, Naf, PublicHoliday, TrainingProvider

IMPORT_TARGET_SECONDS = 60  # for 10 000 contracts through the real import path
IMPORT_TARGET_COUNT = 10_000
QUERY_SAMPLE = 20  # deposits whose SQL is captured and grouped
BULK_BATCH = 2_000
FILLER_BASE = 50_000  # generated filler files; beyond, the database copies them
COPY_CHUNK = 100_000  # copies per transaction
FILLER_TAG = "bench-filler"  # depositor_email of the files created without checks
SMIC_MONTHLY = Decimal("1801.80")  # gross monthly SMIC for 35 h (1 January 2025)

FILLER_STATUSES = (
    (ContractStatus.RECEIVED, 6),
    (ContractStatus.UNDER_INSTRUCTION, 8),
    (ContractStatus.INCOMPLETE, 3),
    (ContractStatus.ACCEPTED, 5),
    (ContractStatus.REFUSED, 4),
    (ContractStatus.DEPOSITED, 6),
    (ContractStatus.RUNNING, 40),
    (ContractStatus.ENDED, 22),
    (ContractStatus.BROKEN, 6),
)


def _french(number: float, decimals: int = 0) -> str:
    """12 345,67: a narrow no-break space for thousands, a comma for decimals."""
    return f"{number:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


class Command(BaseCommand):
    import_10k_s = None  # not measured without --import-sample
    help = (
        "Mesure le dépôt et les listes de contrats à l'échelle (PostgreSQL) : import en masse par le chemin réel "
        "(objectif : 10 000 contrats en moins de 60 s), puis temps de réponse de la liste des contrats."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=100_000, help="dossiers à atteindre en base (défaut : 100 000)")
        parser.add_argument(
            "--import-sample", type=int, default=10_000, help="dossiers importés par le chemin réel (défaut : 10 000)"
        )
        parser.add_argument("--requests", type=int, default=30, help="requêtes par page mesurée (défaut : 30)")
        parser.add_argument("--seed", type=int, default=None, help="graine du générateur (défaut : tirée au hasard)")
        parser.add_argument("--page-target-ms", type=int, default=100, help="objectif de p95 d'une page (défaut : 100 ms)")
        parser.add_argument(
            "--profile", action="store_true", help="profiler l'import (cProfile) et afficher les fonctions les plus coûteuses"
        )

    def handle(self, *args, count, import_sample, requests, seed, page_target_ms, profile, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "Ce banc d'essai mesure la base de production : il faut PostgreSQL (DATABASE_URL=postgres://…). "
                f"La base configurée est {connection.vendor} ; rien n'a été fait."
            )
        if count < 1 or import_sample < 0 or requests < 1:
            raise CommandError("--count et --requests doivent valoir au moins 1, --import-sample au moins 0.")
        import_sample = min(import_sample, count)
        seed = seed if seed is not None else random.SystemRandom().randrange(1_000_000)
        self.say(f"Banc d'essai des contrats — PostgreSQL {connection.pg_version // 10000}, graine {seed}")
        self.ensure_referentials()
        staff = self.staff_user()

        started = time.perf_counter()
        generator = Generator(seed, count)
        payloads = [generator.payload(index) for index in range(import_sample)]
        self.say(
            f"Génération : {_french(import_sample)} contenus de dépôt en {_french(time.perf_counter() - started, 1)} s "
            f"({_french(len(generator.cfas))} CFA, {_french(len(generator.certifications))} certifications, "
            f"{_french(len(generator.idccs))} IDCC de l'OPCO, {_french(len(generator.employers))} employeurs)"
        )
        if import_sample:
            self.measure_import(staff, payloads, profile)
            self.deposit_queries(staff, [generator.payload(import_sample + i) for i in range(QUERY_SAMPLE)])
        existing = ApprenticeshipContract.objects.count()
        missing = max(0, count - existing)
        if missing:
            self.fill(generator, missing, import_sample)
        contracts = ApprenticeshipContract.objects.count()
        self.say(f"Dossiers en base : {_french(contracts)}")
        pages = self.measure_pages(staff, requests, page_target_ms)
        figures = {
            "contracts": contracts,
            "import_10k_s": self.import_10k_s,
            "list_p95_ms": pages.get("list_p95_ms", {}),
            "queries_per_page": pages.get("queries_per_page"),
            "representative_figures_p95_ms": pages.get("representative_figures_p95_ms"),
        }
        self.say(json.dumps(figures, ensure_ascii=False))

    def say(self, line: str = "") -> None:
        self.stdout.write(line)
        self.stdout.flush()

    # --- Set-up ------------------------------------------------------------------------------------------
    def ensure_referentials(self) -> None:
        from referentials.loaders import referentials_load

        present = {
            "idcc": Idcc.objects.exists(),
            "branches": Branch.objects.exists(),
            "naf": Naf.objects.exists(),
            "certifications": Certification.objects.exists(),
            "providers": TrainingProvider.objects.exists(),
            "holidays": PublicHoliday.objects.exists(),
            "legal_parameters": LegalParameter.objects.exists(),
        }
        missing = [kind for kind, there in present.items() if not there]
        if not missing:
            self.say("Référentiels : déjà chargés")
            return
        started = time.perf_counter()
        reports = referentials_load(kinds=missing)
        self.say(
            f"Référentiels chargés ({', '.join(missing)}) en {_french(time.perf_counter() - started, 1)} s : "
            + ", ".join(f"{report.kind} {_french(report.created)}" for report in reports)
        )

    def staff_user(self) -> User:
        from accounts.totp import totp_activate

        user, created = User.objects.get_or_create(
            email="banc-essai@opco.local", defaults={"kind": UserKind.STAFF, "first_name": "Banc", "last_name": "Essai"}
        )
        if created:
            user.set_unusable_password()
            user.save()
            totp_activate(user=user, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")  # the client skips the login anyway
        return user

    # --- 3. The real import path -------------------------------------------------------------------------------
    def measure_import(self, staff: User, payloads: list[dict], profile: bool) -> None:
        content = "\n".join(json.dumps(payload, ensure_ascii=False) for payload in payloads).encode()
        job = ContractImport(original_name="banc-essai.jsonl", requested_by=staff)
        job.file.save(f"banc-essai-{int(time.time())}.jsonl", ContentFile(content), save=False)
        job.save()
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        job = contract_import_run(job_id=job.pk)
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
        rate = len(payloads) / elapsed
        projected = IMPORT_TARGET_COUNT / rate
        self.import_10k_s = round(projected, 1)
        verdict = "atteint" if projected < IMPORT_TARGET_SECONDS else "NON atteint"
        self.say("")
        self.say("Import par le chemin réel (contract_import_run : dépôt, maîtres, rémunérations, audit, contrôles)")
        self.say(
            f"  {_french(len(payloads))} lignes en {_french(elapsed, 1)} s — {_french(job.created_count)} créés, "
            f"{_french(job.duplicate_count)} déjà reçus, {_french(job.failed_count)} refusés "
            f"(statut : {job.get_status_display()})"
        )
        self.say(f"  Débit : {_french(rate, 1)} contrats par seconde{' (sous profilage, donc sous-estimé)' if profiler else ''}")
        self.say(
            f"  10 000 contrats : {_french(projected, 1)} s pour un objectif de {IMPORT_TARGET_SECONDS} s — "
            f"rapport {_french(IMPORT_TARGET_SECONDS / projected, 2)} (objectif {verdict})"
        )
        outcomes = Counter()
        for results in job_check_results(job):
            outcomes.update(f"{check['code']}:{check['status']}" for check in results if check["status"] != "ok")
        if outcomes:
            common = ", ".join(f"{key} {_french(value)}" for key, value in outcomes.most_common(8))
            self.say(f"  Contrôles non conformes les plus fréquents : {common}")
        for row in job.report[:3]:
            self.say(f"  Ligne refusée {row['line']} : {row['errors']}")
        if profiler:
            report = io.StringIO()
            stats = pstats.Stats(profiler, stream=report)
            stats.sort_stats("cumulative").print_stats(r"contracts|referentials|opco", 30)
            stats.sort_stats("tottime").print_stats(20)
            self.say(report.getvalue())

    def deposit_queries(self, staff: User, payloads: list[dict]) -> None:
        """The SQL of one deposit (the same path as the import), grouped by statement."""
        timed = QueryTimer()
        started = time.perf_counter()
        with connection.execute_wrapper(timed):
            for payload in payloads:
                deposit_or_refuse(actor=staff, data=payload, source="import")
        elapsed = time.perf_counter() - started
        groups: dict[str, list[float]] = {}
        for sql, seconds in timed.queries:
            shape = re.sub(r"'[^']*'|\b\d+(?:\.\d+)?\b", "?", sql)
            shape = re.sub(r"^SELECT .+? FROM", "SELECT … FROM", shape)
            groups.setdefault(shape, []).append(seconds)
        total = sum(sum(times) for times in groups.values())
        self.say(
            f"  Un dépôt : {_french(elapsed * 1000 / len(payloads), 1)} ms dont "
            f"{_french(total * 1000 / len(payloads), 1)} ms d'attente de la base"
        )
        self.say(
            f"  Requêtes SQL par dépôt : {_french(len(timed.queries) / len(payloads), 1)} "
            f"(mesurées sur {len(payloads)} dépôts) ; "
            "les plus coûteuses :"
        )
        for shape, times in sorted(groups.items(), key=lambda item: -sum(item[1]))[:8]:
            self.say(
                f"    {_french(sum(times) * 1000 / len(payloads), 2)} ms/dépôt, {_french(len(times) / len(payloads), 1)} "
                f"par dépôt — {shape[:150]}"
            )

    # --- 4. The filler -----------------------------------------------------------------------------------------
    def fill(self, generator: Generator, missing: int, offset: int) -> None:
        """Files without checks nor audit, to give the lists their volume: up to FILLER_BASE generated
        files (bulk_create), then copies of them made by the database itself (INSERT … SELECT, the
        COPY-style path: 1 000 000 rows in minutes on two cores), each copy moved in time and given a
        drawn status, with its masters and pay periods."""
        started = time.perf_counter()
        base = min(missing, FILLER_BASE)
        self._fill_generated(generator, base, offset)
        copied = self._fill_copies(missing - base, generator.seed) if missing > base else 0
        with connection.cursor() as cursor:
            # VACUUM too: the capped COUNT is an index-only scan once the visibility map is set.
            cursor.execute("VACUUM ANALYZE contracts_apprenticeshipcontract, contracts_apprenticeshipmaster, contracts_payperiod")
            cursor.execute("VACUUM ANALYZE referentials_company")
        elapsed = time.perf_counter() - started
        self.say("")
        self.say(
            f"Remplissage RAPIDE, SANS contrôles ni audit (marqués « {FILLER_TAG} ») : {_french(missing)} dossiers "
            f"({_french(base)} générés, {_french(copied)} copiés par la base) en {_french(elapsed, 1)} s "
            f"({_french(missing / elapsed)} par seconde)"
        )

    def _fill_generated(self, generator: Generator, missing: int, offset: int) -> None:
        companies = {c.siret: c.pk for c in Company.objects.filter(siret__in=[e["siret"] for e in generator.employers])}
        idccs = dict(Idcc.objects.values_list("code", "pk"))
        # The company carries its IDCC in the referential, as company_for_siret does: the branch scope reads it.
        new_companies = [
            Company(
                siret=e["siret"],
                siren=e["siret"][:9],
                name=e["denomination"],
                headcount=e["effectif"],
                postal_code=e["adresse"]["code_postal"],
                city=e["adresse"]["commune"],
                idcc_id=idccs.get(e["idcc"]),
            )
            for e in generator.employers
            if e["siret"] not in companies
        ]
        Company.objects.bulk_create(new_companies, batch_size=BULK_BATCH, ignore_conflicts=True)
        companies = {c.siret: c.pk for c in Company.objects.filter(siret__in=[e["siret"] for e in generator.employers])}
        cfas = dict(TrainingProvider.objects.filter(siret__in=[c[0] for c in generator.cfas]).values_list("siret", "pk"))
        certifications = dict(
            Certification.objects.filter(rncp__in={c[0] for c in generator.certifications})
            .exclude(level=None)
            .values_list("rncp", "pk")
        )
        statuses = [status for status, _ in FILLER_STATUSES]
        weights = [weight for _, weight in FILLER_STATUSES]
        rng = random.Random(generator.seed + 1)
        done = 0
        while done < missing:
            size = min(BULK_BATCH, missing - done)
            payloads = [generator.payload(offset + done + i) for i in range(size)]
            with transaction.atomic():
                contracts = ApprenticeshipContract.objects.bulk_create(
                    [
                        self._filler_contract(
                            p,
                            f"tmp-bench-{offset + done + i}",
                            companies,
                            cfas,
                            certifications,
                            rng.choices(statuses, weights)[0],
                        )
                        for i, p in enumerate(payloads)
                    ]
                )
                ApprenticeshipMaster.objects.bulk_create(
                    ApprenticeshipMaster(
                        contract=contract,
                        last_name=m["nom"],
                        first_name=m["prenom"],
                        birth_date=date.fromisoformat(m["date_naissance"]),
                        diploma_level=m["diplome_niveau"],
                        same_field=m["diplome_meme_domaine"],
                        experience_years=Decimal(m["experience_annees"]),
                    )
                    for contract, p in zip(contracts, payloads, strict=True)
                    for m in p["maitres_apprentissage"]
                )
                PayPeriod.objects.bulk_create(
                    PayPeriod(
                        contract=contract,
                        start=date.fromisoformat(r["date_debut"]),
                        end=date.fromisoformat(r["date_fin"]),
                        rate=Decimal(r["taux"]),
                    )
                    for contract, p in zip(contracts, payloads, strict=True)
                    for r in p["contrat"]["remunerations"]
                )
            done += size
        # The file number is the pk's, as the deposit makes it: one UPDATE for the whole filler.
        ApprenticeshipContract.objects.filter(file_number__startswith="tmp-bench-").update(
            file_number=Concat(
                Value("AP"),
                Cast(ExtractYear("received_on"), CharField()),
                LPad(Cast(F("id"), CharField()), 7, Value("0")),
            )
        )

    def _fill_copies(self, missing: int, seed: int) -> int:
        """`missing` copies of the generated filler files, by chunks of COPY_CHUNK rows in one transaction
        each: a mapping table (new id from the table's own sequence, source id, shift in days, drawn
        status), then three INSERT … SELECT (files, masters, pay periods)."""
        table = ApprenticeshipContract._meta.db_table
        total = sum(weight for _, weight in FILLER_STATUSES)
        bounds, cumulated = [], 0
        for status, weight in FILLER_STATUSES:
            cumulated += weight
            bounds.append(f"WHEN r < {cumulated / total:.6f} THEN '{status}'")
        status_case = "CASE " + " ".join(bounds[:-1]) + f" ELSE '{FILLER_STATUSES[-1][0]}' END"
        open_statuses = ", ".join(
            f"'{s}'" for s in (ContractStatus.RECEIVED, ContractStatus.UNDER_INSTRUCTION, ContractStatus.INCOMPLETE)
        )
        columns = [
            f.column
            for f in ApprenticeshipContract._meta.concrete_fields
            if f.column not in ("id", "file_number", "status", "decided_on", "import_key", "created_at", "updated_at")
        ]
        shifted = {
            "received_on",
            "complete_on",
            "decision_due_on",
            "signed_on",
            "start_date",
            "end_date",
            "training_start",
            "training_end",
            "practical_training_start",
            "apprentice_birth_date",
        }
        select = [f"s.{c} + m.shift" if c in shifted else f"s.{c}" for c in columns]
        done = 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
            cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
            sequence = cursor.fetchone()[0]
            cursor.execute(
                # Identifiers from the model's metadata and literals of this module only; values are parameters.
                f"CREATE TEMP TABLE bench_source AS SELECT id, row_number() OVER (ORDER BY id) AS n FROM {table} "  # noqa: S608
                "WHERE depositor_email = %s",
                [f"{FILLER_TAG}@opco.local"],
            )
            cursor.execute("SELECT count(*) FROM bench_source")
            sources = cursor.fetchone()[0]
            while done < missing:
                size = min(COPY_CHUNK, missing - done)
                with transaction.atomic():
                    cursor.execute("DROP TABLE IF EXISTS bench_map")
                    cursor.execute(
                        "CREATE TEMP TABLE bench_map AS SELECT nextval(%s) AS new_id, src.id AS source_id, "
                        "(floor(random() * 540) - 270)::int AS shift, random() AS r "
                        "FROM generate_series(%s, %s) AS g(k) JOIN bench_source src ON src.n = 1 + (g.k %% %s)",
                        [sequence, done, done + size - 1, sources],
                    )
                    cursor.execute(
                        f"INSERT INTO {table} (id, file_number, status, decided_on, created_at, updated_at, "  # noqa: S608
                        f"{', '.join(columns)}) "
                        "SELECT m.new_id, "
                        "'AP' || extract(year FROM s.received_on + m.shift)::int || lpad(m.new_id::text, 7, '0'), "
                        f"{status_case.replace('r <', 'm.r <')}, "
                        f"CASE WHEN ({status_case.replace('r <', 'm.r <')}) IN ({open_statuses}) THEN NULL "
                        "ELSE s.received_on + m.shift + 12 END, now(), now(), "
                        f"{', '.join(select)} FROM bench_map m JOIN {table} s ON s.id = m.source_id"
                    )
                    cursor.execute(
                        "INSERT INTO contracts_apprenticeshipmaster (contract_id, last_name, first_name, birth_date, "
                        "diploma_level, same_field, experience_years) SELECT m.new_id, a.last_name, a.first_name, "
                        "a.birth_date, a.diploma_level, a.same_field, a.experience_years "
                        "FROM bench_map m JOIN contracts_apprenticeshipmaster a ON a.contract_id = m.source_id"
                    )
                    cursor.execute(
                        'INSERT INTO contracts_payperiod (contract_id, start, "end", rate) '
                        'SELECT m.new_id, p.start + m.shift, p."end" + m.shift, p.rate '
                        "FROM bench_map m JOIN contracts_payperiod p ON p.contract_id = m.source_id"
                    )
                done += size
                self.say(f"  … {_french(done)} copies")
            cursor.execute("DROP TABLE IF EXISTS bench_map")
            cursor.execute("DROP TABLE bench_source")
        return done

    @staticmethod
    def _filler_contract(
        p: dict, number: str, companies: dict, cfas: dict, certifications: dict, status: str
    ) -> ApprenticeshipContract:
        employer, apprentice, training, cfa, terms = p["employeur"], p["apprenti"], p["formation"], p["cfa"], p["contrat"]
        received = date.fromisoformat(p["recu_le"])
        decided = status not in (ContractStatus.RECEIVED, ContractStatus.UNDER_INSTRUCTION, ContractStatus.INCOMPLETE)
        return ApprenticeshipContract(
            file_number=number,
            status=status,
            contract_type=p["type_contrat"],
            employer_siret=employer["siret"],
            employer_name=employer["denomination"],
            employer_idcc=employer["idcc"],
            employer_id=companies.get(employer["siret"]),
            employer_headcount=employer["effectif"],
            apprentice_last_name=apprentice["nom"],
            apprentice_first_name=apprentice["prenom"],
            apprentice_birth_date=date.fromisoformat(apprentice["date_naissance"]),
            apprentice_handicap=apprentice["handicap"],
            certification_id=certifications.get(training["rncp"]),
            rncp=training["rncp"],
            code_diplome=training["code_diplome"],
            level=training["niveau"],
            training_title=training["intitule"],
            training_start=date.fromisoformat(training["date_debut"]),
            training_end=date.fromisoformat(training["date_fin"]),
            training_hours=training["duree_heures"],
            distance_pct=Decimal(training["distance_pct"]),
            cfa_id=cfas.get(cfa["siret"]),
            cfa_siret=cfa["siret"],
            cfa_uai=cfa["uai"],
            signed_on=date.fromisoformat(terms["date_conclusion"]),
            start_date=date.fromisoformat(terms["date_debut"]),
            end_date=date.fromisoformat(terms["date_fin"]),
            practical_training_start=date.fromisoformat(terms["date_debut_formation_pratique"]),
            weekly_hours=Decimal(terms["duree_hebdo_heures"]),
            monthly_salary=Decimal(terms["salaire_brut_mensuel_embauche"]),
            received_on=received,
            complete_on=received,
            decision_due_on=decision_deadline(received),
            decided_on=received + timedelta(days=12) if decided else None,
            depositor_email=f"{FILLER_TAG}@opco.local",
            payload=p,
        )

    # --- 5. The list pages -----------------------------------------------------------------------------------
    def measure_pages(self, staff: User, requests: int, target_ms: int) -> dict:
        """p95 of the contract list for staff (unfiltered, filtered by status + level + branch, one branch,
        deep page after row 9 950), an advisor (their portfolio) and the branch filter's deep page;
        SQL queries per page. Keyset pages: the cursor of row 9 950 is read once, untimed."""
        try:
            url = reverse("contracts:list")
        except NoReverseMatch:
            self.say("La liste des contrats (contracts:list) n'existe pas encore : pages non mesurées.")
            return {}
        busiest = (
            ApprenticeshipContract.objects.filter(status=ContractStatus.RUNNING)
            .values("employer_idcc", "level")
            .order_by()
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        ) or {}
        link = BranchIdcc.objects.select_related("branch").filter(idcc__code=busiest.get("employer_idcc")).first()
        branch = link.branch.code if link else ""
        filters = {"status": ContractStatus.RUNNING, "level": busiest.get("level", 3), "branch": branch}
        codes = list(BranchIdcc.objects.filter(branch__code=branch).values_list("idcc__code", flat=True))
        in_branch = ApprenticeshipContract.objects.filter(employer_idcc__in=codes)
        advisor = self.advisor_user()
        representative = self.representative_user(link.branch if link else None)
        clients = {}
        for name, user in (("staff", staff), ("advisor", advisor), ("representative", representative)):
            clients[name] = Client()
            if user is not None:
                clients[name].force_login(user)
        order = sort_order(ApprenticeshipContract, ContractListView.sort_fields, None, ContractListView.default_sort)
        deep = self.deep_cursor(ApprenticeshipContract.objects.all(), order)
        deep_branch = self.deep_cursor(in_branch, order)
        cases = [
            ("staff", "Liste des contrats, personnel, sans filtre", "staff", {}),
            (
                "staff_filtered",
                f"Filtrée statut « en cours » + niveau {filters['level']} + branche {branch or '—'} "
                f"({_french(in_branch.filter(status=filters['status'], level=filters['level']).count())} dossiers)",
                "staff",
                filters,
            ),
            ("branch", f"Une branche ({branch or '—'} : {_french(in_branch.count())} dossiers)", "staff", {"branch": branch}),
            ("advisor", f"Conseiller ({advisor.portfolio.count()} entreprises en portefeuille)", "advisor", {}),
            ("staff_deep_page", "Personnel, page après la ligne 9 950 (keyset)", "staff", {"after": deep}),
            (
                "branch_deep_page",
                f"Branche, page après la ligne {_french(self.deep_row)} (keyset)",
                "staff",
                {"branch": branch, "after": deep_branch},
            ),
        ]
        self.say("")
        self.say(f"Pages (client de test Django ; {requests} requêtes chacune, p95 au rang le plus proche)")
        p95s, queries = {}, {}
        figures = None
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            for key, label, who, params in cases:
                measured = self._measure_page(clients[who], url, params, label, requests, target_ms)
                if measured:
                    p95s[key], queries[key] = measured
            if link:
                # What a representative opens (figures only, RGPD art. 5 1 c): every dimension of their branch.
                figures = self._measure_page(
                    clients["representative"],
                    reverse("branches:figures", args=[link.branch.pk]),
                    {},
                    f"Représentant de branche, page « Chiffres » de {branch} (8 dimensions, secret statistique)",
                    requests,
                    target_ms,
                )
        return {
            "list_p95_ms": p95s,
            "queries_per_page": max(queries.values(), default=None),
            "queries_by_page": queries,
            "representative_figures_p95_ms": figures[0] if figures else None,
        }

    deep_row = 9_950

    def deep_cursor(self, queryset, order) -> str:
        """The cursor after row 9 950 (or the last full page of a shorter list) in the list's order."""
        total = queryset[:10_001].count()
        self.deep_row = row = max(0, min(9_950, total - 50))
        walked = queryset.order_by(f"-{order.path}" if order.descending else order.path, "-pk" if order.descending else "pk")
        anchor = walked.only("pk", order.path)[row - 1 : row].first() if row else None
        return encode_cursor(order, anchor) if anchor else ""

    def advisor_user(self) -> User:
        """An SME advisor following 300 companies (those with files, drawn deterministically)."""
        from sme_services.models import PortfolioCompany

        user, created = User.objects.get_or_create(
            email="banc-conseiller@opco.local", defaults={"kind": UserKind.ADVISOR, "first_name": "Banc", "last_name": "Conseil"}
        )
        if created:
            from accounts.totp import totp_activate

            user.set_unusable_password()
            user.save()
            totp_activate(user=user, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")  # mandatory MFA; the client skips the login
        if not user.portfolio.exists():
            companies = (
                ApprenticeshipContract.objects.exclude(employer=None)
                .values_list("employer_id", flat=True)
                .order_by("employer_id")
                .distinct()[:300]
            )
            PortfolioCompany.objects.bulk_create(PortfolioCompany(advisor=user, company_id=pk) for pk in companies)
        return user

    def representative_user(self, branch) -> User | None:
        """A representative of the busiest branch (figures only: no contract file)."""
        if branch is None:
            return None
        from branches.models import BranchMembership

        user, created = User.objects.get_or_create(
            email="banc-representant@opco.local",
            defaults={"kind": UserKind.BRANCH_REP, "first_name": "Banc", "last_name": "Représentant"},
        )
        if created:
            from accounts.totp import totp_activate

            user.set_unusable_password()
            user.save()
            totp_activate(user=user, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")  # mandatory MFA; the client skips the login
        BranchMembership.objects.filter(user=user).exclude(branch=branch).delete()
        BranchMembership.objects.get_or_create(user=user, branch=branch)
        return user

    def _measure_page(self, client: Client, url: str, params: dict, label: str, requests: int, target_ms: int):
        for _ in range(2):  # warm-up: templates, connection
            response = client.get(url, params, secure=True)
        if response.status_code != 200:
            self.say(f"  {label} : réponse {response.status_code}, non mesurée")
            return None
        reset_queries()  # a request empties the log: CaptureQueriesContext must start from an empty one
        timed = QueryTimer()
        with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(timed):
            client.get(url, params, secure=True)
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url, params, secure=True)
            timings.append((time.perf_counter() - started) * 1000)
        p50, p95 = statistics.median(timings), percentile(timings, 0.95)
        verdict = "atteint" if p95 <= target_ms else "NON atteint"
        slowest = max(timed.queries, key=lambda query: query[1], default=None)
        database_ms = sum(seconds for _, seconds in timed.queries) * 1000
        self.say(f"  {label}")
        self.say(
            f"    p50 {_french(p50)} ms, p95 {_french(p95)} ms — objectif p95 ≤ {target_ms} ms : rapport "
            f"{_french(target_ms / p95, 2)} (objectif {verdict})"
        )
        self.say(f"    {len(queries)} requêtes SQL par page, {_french(database_ms, 1)} ms d'attente de la base")
        if slowest is not None:
            sql = re.sub(r"^SELECT .+? FROM", "SELECT … FROM", slowest[0])
            self.say(f"    Requête SQL la plus lente : {_french(slowest[1] * 1000, 1)} ms — {sql[:200]}…")
        return round(p95, 1), len(queries)


class QueryTimer:
    """An execute wrapper that keeps each statement and its duration (precise, unlike DEBUG's log)."""

    def __init__(self):
        self.queries: list[tuple[str, float]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, time.perf_counter() - started))


def job_check_results(job: ContractImport):
    """The check results of the files an import created (from its audit window)."""
    from contracts.models import CheckRun

    runs = CheckRun.objects.filter(contract__received_on__isnull=False, ran_at__gte=job.started_at)
    if job.finished_at:
        runs = runs.filter(ran_at__lte=job.finished_at)
    return runs.values_list("results", flat=True).iterator()
