import json
import sys

from django.core.management.base import BaseCommand

from contracts.financing.io import InvalidInput
from contracts.financing.service import simulation_as_json


class Command(BaseCommand):
    help = (
        "Simule la prise en charge d'un contrat d'apprentissage : JSON en entrée (FICHIER, ou l'entrée "
        'standard si absent ou « - »), échéancier JSON en sortie. Avec « "contrat": "professionnalisation" », '
        "simule un contrat de professionnalisation (forfait, tutorat, formation du tuteur). "
        "Entrée invalide : message en français, code 2."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default="-", help="fichier JSON (par défaut : entrée standard)")

    def handle(self, *args, file, **options):
        try:
            text = sys.stdin.read() if file == "-" else open(file, encoding="utf-8").read()
        except OSError as exc:
            self._fail(f"Impossible de lire « {file} » : {exc.strerror}.")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            self._fail(f"JSON invalide (ligne {exc.lineno}, colonne {exc.colno}) : {exc.msg}.")
        try:
            result = simulation_as_json(data)
        except InvalidInput as exc:
            self._fail("Entrée invalide : " + " ; ".join(f"{field} : {message}" for field, message in exc.errors.items()) + ".")
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))

    def _fail(self, message: str):
        self.stderr.write(message)
        sys.exit(2)
