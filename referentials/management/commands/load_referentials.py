import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from referentials.loaders import LOADERS, referentials_load


class Command(BaseCommand):
    help = "Charge les référentiels (IDCC, branches, NAF, certifications, CFA, jours fériés, paramètres légaux). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("kinds", nargs="*", help=f"référentiels à charger parmi : {', '.join(LOADERS)} (tous par défaut)")
        parser.add_argument("--issues", type=int, default=5, help="nombre de lignes signalées affichées par référentiel")

    def handle(self, *args, kinds, issues, **options):
        started = time.monotonic()

        def progress(done, total, report):
            self.stdout.write(f"[{done}/{total}] {report.summary()}")
            for issue in report.issues[:issues]:
                self.stdout.write(f"    {issue.file}, ligne {issue.line} : {issue.reason}")
            if len(report.issues) > issues:
                self.stdout.write(f"    … et {len(report.issues) - issues} autre(s)")

        try:
            referentials_load(kinds=kinds or None, on_progress=progress)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Référentiels chargés en {time.monotonic() - started:.1f} s."))
