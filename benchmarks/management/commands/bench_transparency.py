"""Answer time of the public transparency page from its snapshot (R6332-23):
`python manage.py bench_transparency [--npec 30000] [--bodies 5000] [--requests 50]`.

A snapshot of the given size (NPEC rows in force, bodies funded) is written inside a transaction that
is rolled back, then the page and the bodies' CSV are requested through the test client; the mean and
the slowest answers are printed. The issue's figure is 200 ms; no assertion here (a benchmark)."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import Client

from conventions.models import TransparencySection, TransparencySnapshot


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Temps de réponse de la page de transparence sur un instantané de taille donnée."

    def add_arguments(self, parser):
        parser.add_argument("--npec", type=int, default=30000)
        parser.add_argument("--bodies", type=int, default=5000)
        parser.add_argument("--requests", type=int, default=50)

    def handle(self, *args, npec: int, bodies: int, requests: int, **options):
        try:
            with transaction.atomic():
                self._run(npec, bodies, requests)
                raise Rollback
        except Rollback:
            pass

    def _run(self, npec: int, bodies: int, requests: int) -> None:
        npec_rows = [
            [f"C{i % 300:03d}", "CPNE", f"RNCP{i:05d}", f"Certification {i}", "7500.00", "01/04/2026"] for i in range(npec)
        ]
        body_rows = [[2026, f"CFA {i}", f"{i:014d}", "12345.67"] for i in range(bodies)]
        csv = "\n".join(",".join(map(str, row)) for row in body_rows)
        snapshot = TransparencySnapshot.objects.create(reason="banc d'essai", payload={}, csv=csv)
        for position, (key, rows) in enumerate((("npec", npec_rows), ("organismes", body_rows))):
            TransparencySection.objects.create(
                snapshot=snapshot,
                position=position,
                key=key,
                title=key,
                columns=["c"] * len(rows[0]) if rows else [],
                preview=rows[:200],
                row_count=len(rows),
                rows=rows,
            )
        client = Client(HTTP_HOST="localhost")
        for path in ("/transparence/", "/transparence/organismes.csv"):
            client.get(path)
            timings = []
            for _ in range(requests):
                started = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            self.stdout.write(
                f"{path} : {npec} NPEC, {bodies} organismes — moyenne {sum(timings) / len(timings):.1f} ms, "
                f"max {max(timings):.1f} ms sur {requests} requêtes"
            )
