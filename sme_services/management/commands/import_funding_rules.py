"""python manage.py import_funding_rules FILE.json — one rule set as a new version
(TRAINING_FUNDING.md « Interface »): exit 0 and one French line, or exit 2, the reason on stderr and
nothing stored."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sme_services.funding.inputs import InvalidInput
from sme_services.funding.rulesets import read_json, rule_set_import


class Command(BaseCommand):
    help = "Importe une version de règles de prise en charge (plan < 50, SSCT) depuis un fichier JSON."

    def add_arguments(self, parser):
        parser.add_argument("file", help="fichier JSON d'un jeu de règles")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Fichier illisible « {path} » : {error.strerror}.", returncode=2) from None
        try:
            version = rule_set_import(actor=None, data=read_json(raw), file_name=path.name)
        except InvalidInput as error:
            raise CommandError(f"Règles refusées, rien n'est enregistré : {error}", returncode=2) from None
        self.stdout.write(
            f"Règles {version.reference} importées (version n° {version.pk}, validées par {version.validated_by} "
            f"le {version.validated_on.isoformat()})."
        )
