"""`python manage.py import_npec FICHIER.xlsx [--applicable-from AAAA-MM-JJ] [--by EMAIL]`: import one
référentiel des NPEC published by France compétences as a new publication (FINANCING.md §6)."""

from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Max, Min

from branches.npec_import import npec_publication_import
from opco.models import AuditEntry


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Date « {value} » illisible : format attendu AAAA-MM-JJ.")


class Command(BaseCommand):
    help = "Importe un référentiel des NPEC (classeur .xlsx de France compétences) comme une nouvelle publication."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="classeur .xlsx publié par France compétences")
        parser.add_argument(
            "--applicable-from",
            dest="applicable_from",
            help="date d'applicabilité (AAAA-MM-JJ) des lignes qui n'en indiquent pas, quand le titre n'en donne pas une seule",
        )
        parser.add_argument("--by", dest="by", help="adresse électronique de l'utilisateur qui importe (journal d'audit)")
        parser.add_argument("--issues", type=int, default=10, help="nombre de lignes signalées affichées")

    def handle(self, *args, file, applicable_from, by, issues, **options):
        actor = self._actor(by)
        try:
            publication = npec_publication_import(
                path=file,
                actor=actor,
                applicable_from=_iso_date(applicable_from) if applicable_from else None,
                source=AuditEntry.Source.COMMAND,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        self._summary(publication, issues)

    def _actor(self, email: str | None):
        if not email:
            return None
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"Aucun utilisateur n'a l'adresse « {email} ».")
        return user

    def _summary(self, publication, issues: int) -> None:
        stats = publication.entries.aggregate(
            cpne=Count("cpne", distinct=True), first=Min("applicable_from"), last=Max("applicable_from")
        )
        write = self.stdout.write
        write(self.style.SUCCESS(f"Référentiel NPEC « {publication.file_name} » importé (publication n° {publication.pk})."))
        write(f"  {publication.entry_count} ligne(s) NPEC pour {stats['cpne']} CPNE")
        if stats["first"]:
            dates = f"{stats['first']:%d/%m/%Y}"
            if stats["last"] != stats["first"]:
                dates += f" au {stats['last']:%d/%m/%Y}"
            write(f"  dates d'applicabilité : {dates}")
        write(f"  {publication.mapping_count} rattachement(s) CPNE ↔ IDCC")
        write(f"  {len(publication.report)} ligne(s) signalée(s)")
        for issue in publication.report[:issues]:
            write(f"    {issue['sheet']}, ligne {issue['line']} : {issue['reason']}")
        if len(publication.report) > issues:
            write(f"    … et {len(publication.report) - issues} autre(s)")
