"""Throughput of the financing engine: `python manage.py bench_financing [--count 100000] [--seed 1]`.

The inputs are generated first (deterministic for a seed: both regimes, short and long contracts,
ruptures, distance learning, RQTH, frais annexes, new CFAs, levels 3 to 8); only the calls to
`compute_schedule` are timed, on one core. The target is 5 000 schedules a second."""

import cProfile
import io
import pstats
import random
import time
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.management.base import BaseCommand, CommandError

from contracts.financing.engine import FinancingInput, FraisAnnexes, compute_schedule

TARGET_PER_SECOND = 5000
R2021_SIGNED = (date(2021, 1, 1), date(2025, 6, 30))
R2025_SIGNED = (date(2025, 7, 1), date(2027, 12, 31))
SHARES = [Decimal(share) for share in ("0.30", "0.50", "0.79", "0.80", "0.90", "1")]


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _cents(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)).scaleb(-2)


def generate_inputs(count: int, seed: int) -> list[FinancingInput]:
    """`count` valid and varied engine inputs, the same ones for the same seed."""
    rng = random.Random(seed)
    inputs = []
    for _ in range(count):
        signature = _day_between(rng, *(R2021_SIGNED if rng.random() < 0.5 else R2025_SIGNED))
        start = signature + timedelta(days=rng.randint(0, 90))
        shape = rng.random()
        if shape < 0.25:  # short contract (under one year)
            end = start + timedelta(days=rng.randint(30, 363))
        elif shape < 0.35:  # exactly one year
            end = start + relativedelta(years=1) - timedelta(days=1)
        elif shape < 0.75:  # whole years (2 or 3)
            end = start + relativedelta(years=rng.randint(2, 3)) - timedelta(days=1)
        else:  # with a partial last year
            end = start + relativedelta(years=rng.randint(1, 2), days=rng.randint(0, 300))
        length = (end - start).days
        rupture = start + timedelta(days=rng.randint(0, length)) if rng.random() < 0.25 else None
        years = 0
        while start + relativedelta(years=years) <= end:
            years += 1
        frais = ()
        if rng.random() < 0.3:
            frais = tuple(
                FraisAnnexes(year, rng.randint(0, 60), rng.randint(0, 150), _cents(rng, 0, 800))
                for year in sorted(rng.sample(range(1, years + 1), rng.randint(1, years)))
            )
        inputs.append(
            FinancingInput(
                signature_date=signature,
                start_date=start,
                end_date=end,
                certification_level=rng.randint(3, 8),
                npec=_cents(rng, 0, 20000) if rng.random() < 0.1 else Decimal(rng.randrange(3000, 15000, 50)),
                distance_learning_share=rng.choice(SHARES) if rng.random() < 0.15 else Decimal(0),
                distance_exempt=rng.random() < 0.05,
                rqth_majoration=_cents(rng, 500, 5000) if rng.random() < 0.1 else Decimal(0),
                frais_annexes=frais,
                cfa_declared_on=start - timedelta(days=rng.randint(0, 365)) if rng.random() < 0.1 else None,
                shortened_duration=rng.random() < 0.3,
                rupture_date=rupture,
                rupture_during_probation=rupture is not None and (rupture - start).days < 60 and rng.random() < 0.5,
                after_previous_rupture=rng.random() < 0.05,
            )
        )
    return inputs


def _french(number: float, decimals: int = 0) -> str:
    """12 345,67: a narrow no-break space for thousands, a comma for decimals."""
    return f"{number:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


class Command(BaseCommand):
    help = (
        "Mesure le débit du moteur de prise en charge : génère COUNT contrats variés (graine SEED) puis "
        "chronomètre compute_schedule sur un cœur. Objectif : 5 000 échéanciers par seconde."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=100_000, help="nombre de contrats (défaut : 100 000)")
        parser.add_argument("--seed", type=int, default=1, help="graine du générateur (défaut : 1)")
        parser.add_argument(
            "--profile", action="store_true", help="profiler avec cProfile et afficher les 25 fonctions les plus coûteuses"
        )

    def handle(self, *args, count, seed, profile, **options):
        if count < 1:
            raise CommandError("--count doit être au moins 1.")
        inputs = generate_inputs(count, seed)

        profiler = cProfile.Profile() if profile else None
        instalments = 0
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        for inp in inputs:
            instalments += len(compute_schedule(inp).instalments)
        elapsed = time.perf_counter() - started
        if profiler:
            profiler.disable()

        rate = count / elapsed
        self.stdout.write(f"Contrats calculés : {_french(count)} (graine {seed})")
        self.stdout.write(f"Durée : {_french(elapsed, 3)} s")
        self.stdout.write(f"Débit : {_french(rate)} échéanciers par seconde")
        self.stdout.write(f"Échéances produites : {_french(instalments)}")
        verdict = "atteint" if rate >= TARGET_PER_SECOND else "NON atteint"
        ratio = _french(rate / TARGET_PER_SECOND, 2)
        self.stdout.write(f"Rapport à l'objectif de {_french(TARGET_PER_SECOND)} par seconde : {ratio} (objectif {verdict})")
        if profiler:
            self.stdout.write("(débit mesuré sous profilage, donc sous-estimé)")
            report = io.StringIO()
            pstats.Stats(profiler, stream=report).sort_stats("tottime").print_stats(25)
            self.stdout.write(report.getvalue())
