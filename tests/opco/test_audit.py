from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from opco import audit
from opco.models import AuditEntry
from referentials.models import LegalParameter

pytestmark = pytest.mark.django_db


def make_parameter():
    return LegalParameter.objects.create(
        key="smic_hourly",
        label="SMIC horaire brut",
        value=Decimal("12.02"),
        unit="EUR/h",
        valid_from=date(2026, 1, 1),
        source="décret",
    )


def test_record_keeps_who_what_and_the_changes(make_user):
    user = make_user(kind="staff")
    parameter = make_parameter()
    entry = audit.record(
        actor=user, action="update", target=parameter, changes={"value": ["11.88", "12.02"]}, summary="SMIC 2026"
    )
    entry.refresh_from_db()
    assert (entry.actor, entry.actor_label, entry.action, entry.target_id) == (user, user.email, "update", str(parameter.pk))
    assert entry.changes == {"value": ["11.88", "12.02"]}
    assert list(audit.history_of(parameter)) == [entry]


def test_diff_masks_sensitive_values():
    before = {"iban": "FR7630006000011234567890189", "name": "CFA A", "nir": "180017512345678"}
    after = {"iban": "FR7630006000019999999999999", "name": "CFA B", "nir": "280017512345678"}
    changes = audit.diff(before, after)
    assert changes["name"] == ["CFA A", "CFA B"]
    assert changes["iban"] == ["•••0189", "•••9999"]
    assert changes["nir"] == ["•••", "•••"]


def test_audit_entries_cannot_be_updated_on_any_database():
    entry = audit.record(actor=None, action="x", summary="original")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(summary="réécrit")
    entry.refresh_from_db()
    assert entry.summary == "original"


def test_audit_entries_cannot_be_deleted_on_postgresql():
    from tests.conftest import need_postgres

    need_postgres()
    entry = audit.record(actor=None, action="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM opco_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_admin_change_is_audited_with_the_fields_that_changed(client, make_user):
    admin = make_user(kind="staff", groups=["administrateur"], is_staff=True)
    parameter = make_parameter()
    client.force_login(admin)
    url = f"/admin/referentials/legalparameter/{parameter.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "key": "smic_hourly",
            "label": "SMIC horaire brut",
            "value": "12.03",
            "unit": "EUR/h",
            "valid_from": "2026-01-01",
            "source": "décret",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="admin_change")
    assert entry.actor == admin and entry.source == "admin"
    assert entry.changes == {"value": ["12.0200", "12.03"]}


def test_admin_is_for_administrators_only(client, make_user):
    client.force_login(make_user(kind="staff", groups=["gestionnaire"], is_staff=True))
    assert client.get("/admin/referentials/legalparameter/").status_code == 403  # not the login page: a loop
    client.force_login(make_user(kind="staff", groups=["administrateur"], is_staff=True))
    assert client.get("/admin/referentials/legalparameter/").status_code == 200
    assert "Paramètres légaux" in client.get("/admin/").content.decode()


def test_csv_exports_are_audited(client, make_user):
    user = make_user(kind="advisor")
    client.force_login(user)
    b"".join(client.get("/referentiels/cfa/", {"region": "Bretagne", "format": "csv"}).streaming_content)
    entry = AuditEntry.objects.get(action="export_csv")
    assert entry.actor == user and "region=Bretagne" in entry.summary
