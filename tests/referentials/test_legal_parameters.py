"""The SMIC history from 1 January 2021 (RULES.md §9) loaded by `load_referentials legal_parameters`;
the administrators' screen of dated legal parameters (list, add a dated value, audited, never
overwrite one); the warning when the newest SMIC is over 12 months old."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from opco.models import AuditEntry
from referentials.models import LegalParameter
from referentials.selectors import legal_parameter_on

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")

# RULES.md §9, typed again here: (from, €/hour, €/month for 35 h).
SMIC_HISTORY = [
    (date(2021, 1, 1), "10.25", "1554.58"),
    (date(2021, 10, 1), "10.48", "1589.47"),
    (date(2022, 1, 1), "10.57", "1603.12"),
    (date(2022, 5, 1), "10.85", "1645.58"),
    (date(2022, 8, 1), "11.07", "1678.95"),
    (date(2023, 1, 1), "11.27", "1709.28"),
    (date(2023, 5, 1), "11.52", "1747.20"),
    (date(2024, 1, 1), "11.65", "1766.92"),
    (date(2024, 11, 1), "11.88", "1801.80"),
    (date(2026, 1, 1), "12.02", "1823.03"),
    (date(2026, 6, 1), "12.31", "1867.02"),
]


def test_load_referentials_loads_every_smic_since_2021_with_its_text():
    call_command("load_referentials", "legal_parameters")
    monthly = list(LegalParameter.objects.filter(key="smic_monthly").order_by("valid_from"))
    hourly = list(LegalParameter.objects.filter(key="smic_hourly").order_by("valid_from"))
    assert [(row.valid_from, row.value) for row in monthly] == [(d, Decimal(m)) for d, _, m in SMIC_HISTORY]
    assert [(row.valid_from, row.value) for row in hourly] == [(d, Decimal(h)) for d, h, _ in SMIC_HISTORY]
    assert all(row.source for row in monthly + hourly)
    assert monthly[-1].source.startswith("Arrêté du 22 mai 2026")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2021, 1, 1), "1554.58"),
        (date(2021, 9, 30), "1554.58"),
        (date(2024, 2, 29), "1766.92"),
        (date(2025, 12, 31), "1801.80"),
        (date(2026, 5, 31), "1823.03"),
        (date(2026, 6, 1), "1867.02"),
    ],
)
def test_the_smic_in_force_on_a_day(load, day, expected):
    load("legal_parameters")
    assert legal_parameter_on("smic_monthly", day) == Decimal(expected)


def test_no_smic_before_2021(load):
    load("legal_parameters")
    with pytest.raises(LookupError):
        legal_parameter_on("smic_monthly", date(2020, 12, 31))


# --- The administrators' screen ----------------------------------------------------------------------
@pytest.fixture
def admin_client(client, make_user, load):
    load("legal_parameters")
    client.force_login(make_user(kind="staff", groups=["administrateur"]))
    return client


def test_the_screen_lists_every_value_with_its_text(admin_client):
    page = admin_client.get(reverse("referentials:legal_parameters")).content.decode()
    assert "Arrêté du 22 mai 2026" in page and "Décret n° 2020-1598 du 16 décembre 2020" in page
    assert "1867,02" in page


def test_an_administrator_adds_a_dated_value_audited(admin_client):
    response = admin_client.post(
        reverse("referentials:legal_parameters"),
        {"key": "smic_monthly", "value": "1900.00", "valid_from": "2027-01-01", "source": "Décret n° 2026-9999"},
    )
    assert response.status_code == 302
    row = LegalParameter.objects.get(key="smic_monthly", valid_from=date(2027, 1, 1))
    assert (row.value, row.label, row.unit) == (Decimal("1900.00"), "SMIC mensuel brut (35 h)", "EUR/mois")
    entry = AuditEntry.objects.get(action="legal_parameter_add")
    assert entry.changes["value"] == "1900.00" and entry.changes["valid_from"] == "2027-01-01"
    assert legal_parameter_on("smic_monthly", date(2026, 12, 31)) == Decimal("1867.02")


def test_a_past_value_is_never_overwritten(admin_client):
    before = list(LegalParameter.objects.values_list("key", "valid_from", "value", "source"))
    response = admin_client.post(
        reverse("referentials:legal_parameters"),
        {"key": "smic_monthly", "value": "1.00", "valid_from": "2026-06-01", "source": "erreur"},
    )
    assert response.status_code == 200
    assert "une valeur passée n&#x27;est jamais remplacée" in response.content.decode()
    assert list(LegalParameter.objects.values_list("key", "valid_from", "value", "source")) == before
    assert not AuditEntry.objects.filter(action="legal_parameter_add").exists()


@pytest.mark.parametrize("groups", [["gestionnaire"], ["finance"], ["responsable"]])
def test_only_administrators_reach_the_screen(client, make_user, groups):
    client.force_login(make_user(kind="staff", groups=groups))
    assert client.get(reverse("referentials:legal_parameters")).status_code == 403


@pytest.mark.parametrize(
    ("today", "warned"),
    # The newest SMIC took effect on 1 June 2026: 12 months later is still fine, the day after is not.
    [(date(2027, 6, 1), False), (date(2027, 6, 2), True)],
)
def test_administrators_are_warned_when_the_newest_smic_is_over_12_months_old(client, make_user, load, today, warned):
    load("legal_parameters")
    administrator = make_user(kind="staff", groups=["administrateur"])
    with time_machine.travel(datetime(today.year, today.month, today.day, 12, tzinfo=PARIS), tick=False):
        client.force_login(administrator)
        admin_client = client
        home = admin_client.get(reverse("home")).content.decode()
        screen = admin_client.get(reverse("referentials:legal_parameters")).content.decode()
    text = "Le SMIC le plus récent des paramètres légaux est en vigueur depuis le 01/06/2026, il y a plus de 12 mois"
    assert (text in home) is warned
    assert (text in screen) is warned
