"""The conventions demo goes through the real services and is idempotent."""

from datetime import date

import pytest

from conventions.models import Convention, FunderReport, TransparencySnapshot, YearlyStatement
from demo.conventions import demo_conventions_seed, demo_transparency_publish
from tests.conventions.factories import covered_branch

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_three_signed_conventions_and_publishes_the_page(make_user):
    covered_branch("0843")
    finance = make_user(finance=True)
    expected = {"conventions": 3, "demandes cofinancées (FNE-Formation)": 0, "majorations de NPEC": 2}  # no rule sets loaded here
    assert demo_conventions_seed(finance=finance, today=date(2026, 12, 5)) == expected
    assert sorted(Convention.objects.values_list("kind", "status", "version")) == [
        ("edec", "signee", 1),
        ("fne", "signee", 1),
        ("region", "signee", 2),
    ]
    # The page is published last by seed_demo (after every other seed), and again only when it changed.
    assert not TransparencySnapshot.objects.exists()
    assert demo_transparency_publish(today=date(2026, 12, 5)).startswith("Page de transparence publiée : 3 priorites")
    assert demo_transparency_publish(today=date(2026, 12, 5)) == ""
    snapshot = TransparencySnapshot.objects.get()
    sections = {section.key: section.rows for section in snapshot.sections.all()}
    assert len(sections["priorites"]) == 3 and len(sections["majorations"]) == 2
    assert YearlyStatement.objects.get().year == 2025 and FunderReport.objects.count() == 1
    assert demo_conventions_seed(finance=finance, today=date(2026, 12, 5)) == {}
    assert Convention.objects.count() == 3
