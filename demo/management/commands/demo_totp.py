from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.totp import DEMO_TOTP_SECRET, code_at


class Command(BaseCommand):
    help = "Affiche le code TOTP actuel des comptes de démonstration (et seulement d'eux)."

    def handle(self, *args, **options):
        if not User.objects.filter(is_demo=True).exists():
            raise CommandError("Aucun compte de démonstration : lancez « python manage.py seed_demo ».")
        self.stdout.write(code_at(DEMO_TOTP_SECRET))
