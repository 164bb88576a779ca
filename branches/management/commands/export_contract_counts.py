"""D6332-78 III: the apprenticeship contracts concluded over a period, per certification × CPNE, as
CSV on stdout (France compétences counts them with the OPCOs)."""

import csv
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from branches.portal.facts import cpne_counts

HEADER = ["code certification", "intitulé certification", "code CPNE", "contrats"]


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} : date attendue au format AAAA-MM-JJ, reçu « {value} ».") from None


class Command(BaseCommand):
    help = "Contrats d'apprentissage conclus par certification et CPNE sur une période (D6332-78 III), en CSV."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="premier jour compté (AAAA-MM-JJ)")
        parser.add_argument("--to", dest="end", required=True, help="dernier jour compté (AAAA-MM-JJ)")

    def handle(self, *args, start, end, **options):
        start, end = _date(start, "--from"), _date(end, "--to")
        if end < start:
            raise CommandError("La fin de la période précède son début.")
        writer = csv.writer(self.stdout, delimiter=";", lineterminator="\n")
        writer.writerow(HEADER)
        for row in cpne_counts(start=start, end=end):
            writer.writerow([row["code"], row["title"], row["cpne"], row["contracts"]])
