import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from contracts.alternance.check_runs import check_payload
from contracts.alternance.payload import InvalidPayload


class Command(BaseCommand):
    help = (
        "Contrôle un contrat d'apprentissage avant instruction : données du CERFA en JSON (FICHIER, ou l'entrée "
        "standard si absent ou « - »), résultat des contrôles en JSON. Données illisibles : message en français, code 2."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default="-", help="fichier JSON (par défaut : entrée standard)")

    def handle(self, *args, file, **options):
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except OSError as exc:
            self._fail(f"Impossible de lire « {file} » : {exc.strerror}.")
        except UnicodeDecodeError:
            self._fail(f"« {file} » n'est pas un texte UTF-8.")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            self._fail(f"JSON invalide (ligne {exc.lineno}, colonne {exc.colno}) : {exc.msg}.")
        try:
            report = check_payload(data)
        except InvalidPayload as exc:
            self._fail("Données invalides : " + " ; ".join(f"{field} : {message}" for field, message in exc.errors.items()) + ".")
        self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))

    def _fail(self, message: str):
        self.stderr.write(message)
        sys.exit(2)
