"""A convention's life: drafted, signed (version 1 frozen), amended by avenants (each a new version,
the old one still readable as it was); signed terms change only by avenant; refusals change nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conventions import services
from conventions.models import ConventionVersion
from payments.budgets import convention_dashboard
from tests.conventions.factories import signed_convention

pytestmark = pytest.mark.django_db


def test_signature_freezes_version_one_and_enters_the_envelope(make_user):
    finance = make_user(finance=True)
    convention = signed_convention(finance, budget=Decimal("250000"))
    (version,) = convention.versions.all()
    assert version.number == 1 and version.label == "Convention initiale"
    assert version.terms["budgets"] == [{"year": 2026, "funder": "État – DGEFP", "amount": "250000.00"}]
    assert version.terms["rates"] == {"moins_50": "70.00", "50_249": "60.00", "250_plus": "50.00"}
    (envelope,) = convention_dashboard(2026)
    assert envelope.budget == Decimal("250000.00") and envelope.label == "FNE-Formation 2026"


def test_an_avenant_is_a_new_version_and_the_old_one_stays_readable(make_user):
    finance = make_user(finance=True)
    convention = signed_convention(finance, budget=Decimal("250000"))
    version = services.convention_amend(
        actor=finance,
        convention_id=convention.pk,
        signed_on=date(2026, 6, 15),
        summary="Prolongation et abondement",
        changes={"ends_on": date(2027, 6, 30)},
        budgets=[(2027, "État – DGEFP", Decimal("80000"))],
        rates={"250_plus": None},
    )
    assert version.number == 2 and version.label == "Avenant n° 1"
    old = ConventionVersion.objects.get(convention=convention, number=1)
    assert old.terms["ends_on"] == "2026-12-31" and "250_plus" in old.terms["rates"]
    assert version.terms["ends_on"] == "2027-06-30" and "250_plus" not in version.terms["rates"]
    assert len(version.terms["budgets"]) == 2
    convention.refresh_from_db()
    assert convention.version == 2
    assert [e.budget for e in convention_dashboard(2027)] == [Decimal("80000.00")]


def test_signed_terms_change_only_by_avenant_and_refusals_change_nothing(make_user):
    finance = make_user(finance=True)
    convention = signed_convention(finance)
    with pytest.raises(ValidationError):
        services.convention_update(actor=finance, convention_id=convention.pk, title="Autre")
    with pytest.raises(ValidationError):
        services.budget_set(actor=finance, convention_id=convention.pk, year=2026, funder="État – DGEFP", amount=Decimal("1"))
    with pytest.raises(ValidationError):
        services.convention_amend(actor=finance, convention_id=convention.pk, signed_on=date(2026, 2, 1), summary=" ")
    with pytest.raises(PermissionDenied):
        services.convention_amend(
            actor=make_user(gestionnaire=True), convention_id=convention.pk, signed_on=date(2026, 2, 1), summary="x"
        )
    convention.refresh_from_db()
    assert convention.title == "FNE-Formation 2026" and convention.version == 1 and convention.versions.count() == 1


def test_a_convention_is_signed_only_when_complete(make_user):
    finance = make_user(finance=True)
    convention = services.convention_create(
        actor=finance,
        title="EDEC",
        kind="edec",
        funder="État",
        legal_basis="L5121-1",
        object="Étude",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
    )
    with pytest.raises(ValidationError) as caught:
        services.convention_sign(actor=finance, convention_id=convention.pk, signed_on=date(2026, 1, 5))
    assert "financeur" in str(caught.value) and "budget" in str(caught.value) and "branches" in str(caught.value)
    convention.refresh_from_db()
    assert convention.status == "projet" and not convention.versions.exists()


def test_money_in_is_matched_and_the_unspent_part_is_to_return(make_user):
    finance = make_user(finance=True)
    convention = signed_convention(finance)
    advance = services.funder_payment_add(
        actor=finance,
        convention_id=convention.pk,
        kind="avance",
        label="Avance 30 %",
        due_on=date(2026, 2, 1),
        amount_due=Decimal("30000"),
    )
    services.funder_payment_match(
        actor=finance,
        payment_id=advance.pk,
        received_on=date(2026, 2, 3),
        amount=Decimal("30000"),
        bank_reference="VIR DGEFP 123",
    )
    with pytest.raises(ValidationError):
        services.funder_payment_match(
            actor=finance, payment_id=advance.pk, received_on=date(2026, 2, 4), amount=Decimal("1"), bank_reference="x"
        )
    money = services.money_summary(convention)
    assert money["received"] == Decimal("30000.00") and money["to_return"] == Decimal("30000.00")
