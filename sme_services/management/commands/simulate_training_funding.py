"""python manage.py simulate_training_funding [FILE] — a request (TRAINING_FUNDING.md §2) in, JSON on
stdin when FILE is absent or « - »; the result (§6) on stdout, exit 0, refusals included; invalid
input: a French message on stderr, exit 2, nothing on stdout."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sme_services.funding.inputs import InvalidInput
from sme_services.funding.rulesets import read_json
from sme_services.funding.simulation import simulation_as_json


class Command(BaseCommand):
    help = "Simule la prise en charge d'une demande de formation (plan < 50, SSCT) selon les règles importées."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default="-", help="fichier JSON de la demande (« - » ou absent : entrée standard)")

    def handle(self, *args, **options):
        name = options["file"]
        try:
            raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        except OSError as error:
            raise CommandError(f"Fichier illisible « {name} » : {error.strerror}.", returncode=2) from None
        try:
            result = simulation_as_json(read_json(raw))
        except InvalidInput as error:
            raise CommandError(f"Demande invalide : {error}", returncode=2) from None
        except LookupError as error:
            raise CommandError(f"Demande invalide : {error}", returncode=2) from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
