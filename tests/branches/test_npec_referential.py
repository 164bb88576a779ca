"""The NPEC referential as staff and representatives use it: decisions, lookup, screens, scoping."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches.models import Branch, BranchMembership, Cpne, CpneIdcc, NpecEntry, NpecExemption, NpecPublication
from branches.npec import amorcage_on, cpne_codes_for_idcc, lookup_npec
from branches.services import npec_decision_record, npec_exemption_add
from contracts.financing.service import simulation_as_json
from opco.models import AuditEntry

pytestmark = pytest.mark.django_db

CONTRACT = {
    "signature_date": "2025-09-10",
    "start_date": "2025-10-01",
    "end_date": "2027-09-30",
    "certification_level": 5,
    "rncp": "RNCP38381",
    "idcc": "843",
}


@pytest.fixture
def bakery_cpne():
    """A publication that maps IDCC 0843 to a CPNE (as Onglet 4 does)."""
    cpne = Cpne.objects.create(code="77", name="CPNE de la boulangerie-pâtisserie")
    publication = NpecPublication.objects.create(file_name="ref.xlsx", checksum="a" * 64, mapping_count=1)
    CpneIdcc.objects.create(publication=publication, cpne=cpne, idcc_code="0843")
    return cpne


def test_a_cpne_decision_is_found_by_the_lookup_from_its_date(make_user, bakery_cpne):
    staff = make_user(kind="staff")
    npec_decision_record(actor=staff, rncp="RNCP38381", cpne_code="77", amount=Decimal("8200"), applicable_from=date(2025, 9, 1))
    npec_decision_record(actor=staff, rncp="RNCP38381", cpne_code="77", amount=Decimal("8500"), applicable_from=date(2026, 1, 1))
    assert cpne_codes_for_idcc("843") == ["77"]
    assert lookup_npec(rncp="RNCP38381", idcc="843", on=date(2025, 8, 31)) is None
    assert lookup_npec(rncp="RNCP38381", idcc="0843", on=date(2025, 9, 1)).amount == Decimal("8200")
    assert lookup_npec(rncp="RNCP38381", idcc="0843", on=date(2025, 12, 31)).amount == Decimal("8200")
    assert lookup_npec(rncp="RNCP38381", cpne="77", on=date(2026, 1, 1)).amount == Decimal("8500")
    assert AuditEntry.objects.filter(action="npec_decision_record").count() == 2
    assert NpecPublication.objects.filter(kind="decision").count() == 2


def test_the_simulator_uses_the_referential_then_the_amorcage(make_user, bakery_cpne):
    staff = make_user(kind="staff")
    without = simulation_as_json(CONTRACT)
    assert (without["npec"], without["npec_source"]) == ("6000.00", "amorcage")
    npec_decision_record(actor=staff, rncp="RNCP38381", cpne_code="77", amount=Decimal("8200"), applicable_from=date(2025, 9, 1))
    found = simulation_as_json(CONTRACT)
    assert (found["npec"], found["npec_source"], found["annual_amount"]) == ("8200.00", "referentiel", "8200.00")
    # An NC level published later does not reach a contract signed before it; one signed after gets amorçage.
    npec_decision_record(actor=staff, rncp="RNCP38381", cpne_code="77", amount=None, applicable_from=date(2026, 1, 1))
    assert simulation_as_json(CONTRACT)["npec"] == "8200.00"
    later = simulation_as_json({**CONTRACT, "signature_date": "2026-01-05", "start_date": "2026-02-01", "end_date": "2028-01-31"})
    assert (later["npec"], later["npec_source"]) == ("6000.00", "amorcage")
    # The input NPEC wins over both.
    assert simulation_as_json({**CONTRACT, "npec": "9000"})["npec_source"] == "input"


def test_the_exemption_list_lifts_the_minoration_for_contracts_signed_from_30_november_2025(make_user):
    staff = make_user(kind="staff")
    contract = {
        **CONTRACT,
        "npec": "9000",
        "distance_learning_share": 0.9,
        "signature_date": "2025-11-30",
        "start_date": "2025-12-01",
        "end_date": "2026-11-30",
    }
    assert simulation_as_json(contract)["annual_amount"] == "7200.00"  # max(9000 × 0.80, 4000)
    npec_exemption_add(actor=staff, rncp="RNCP38381", title="BTS Banque")
    assert simulation_as_json(contract)["annual_amount"] == "9000.00"
    before = {**contract, "signature_date": "2025-11-29"}
    assert simulation_as_json(before)["annual_amount"] == "7200.00"  # D6332-82-1 II not yet in force


def test_decision_refusals_change_nothing(make_user):
    staff = make_user(kind="staff")
    with pytest.raises(ValidationError):
        npec_decision_record(actor=staff, rncp="RNCP1", cpne_code="999", amount=Decimal(1), applicable_from=date(2026, 1, 1))
    assert NpecPublication.objects.count() == 0 and NpecEntry.objects.count() == 0
    npec_exemption_add(actor=staff, rncp="RNCP1")
    with pytest.raises(ValidationError):
        npec_exemption_add(actor=staff, rncp="RNCP1")
    assert NpecExemption.objects.count() == 1


def test_valeurs_d_amorcage_are_seeded_by_level():
    assert [amorcage_on(level, date(2025, 9, 1)) for level in range(3, 9)] == [
        Decimal("5470.00"),
        Decimal("5621.00"),
        Decimal("6000.00"),
        Decimal("6000.00"),
        Decimal("7000.00"),
        Decimal("7000.00"),
    ]


def test_decision_form_records_and_shows_the_history(client, make_user, bakery_cpne):
    client.force_login(make_user(kind="staff", groups=["gestionnaire"]))
    response = client.post(
        reverse("branches:npec_decision"),
        {"rncp": "38381", "cpne_code": "77", "amount": "8200", "applicable_from": "2025-09-01", "status": "CPNE"},
    )
    assert response.status_code == 302
    history = client.get(response["Location"])
    assert [e.amount for e in history.context["entries"]] == [Decimal("8200.00")]
    bad = client.post(
        reverse("branches:npec_decision"), {"rncp": "abc", "cpne_code": "77", "applicable_from": "2025-09-01", "status": "CPNE"}
    )
    assert "rncp" in bad.context["form"].errors
    assert NpecEntry.objects.count() == 1


def test_representatives_see_only_their_branch_levels_read_only(client, make_user, load, bakery_cpne):
    load("idcc", "branches")
    other = Cpne.objects.create(code="12", name="CPNE de la coiffure")
    CpneIdcc.objects.create(publication=NpecPublication.objects.get(), cpne=other, idcc_code="2596")
    staff = make_user(kind="staff")
    npec_decision_record(actor=staff, rncp="RNCP38381", cpne_code="77", amount=Decimal("8200"), applicable_from=date(2025, 9, 1))
    npec_decision_record(actor=staff, rncp="RNCP38381", cpne_code="12", amount=Decimal("7100"), applicable_from=date(2025, 9, 1))
    rep = make_user(kind="branch_rep")
    BranchMembership.objects.create(user=rep, branch=Branch.objects.get(code="IDCC-0843"))
    client.force_login(rep)
    listing = client.get(reverse("branches:npec"))
    assert [e.cpne.code for e in listing.context["object_list"]] == ["77"]
    export = b"".join(client.get(reverse("branches:npec"), {"format": "csv"}).streaming_content).decode("utf-8-sig")
    assert "8200" in export and "7100" not in export
    assert client.get(reverse("branches:npec_history"), {"code": "RNCP38381", "cpne": "12"}).status_code == 404
    assert client.get(reverse("branches:npec_history"), {"code": "RNCP38381", "cpne": "77"}).status_code == 200
    for name in ("branches:npec_decision", "branches:npec_exemptions", "branches:npec_publications"):
        assert client.get(reverse(name)).status_code == 403
    assert (
        client.post(
            reverse("branches:npec_decision"),
            {"rncp": "RNCP1", "cpne_code": "77", "amount": "1", "applicable_from": "2025-09-01", "status": "CPNE"},
        ).status_code
        == 403
    )
    assert NpecEntry.objects.count() == 2


def test_referential_filters(client, make_user, bakery_cpne):
    staff = make_user(kind="staff")
    npec_decision_record(actor=staff, rncp="RNCP38381", cpne_code="77", amount=Decimal("8200"), applicable_from=date(2025, 9, 1))
    npec_decision_record(actor=staff, rncp="RNCP38380", cpne_code="77", amount=None, applicable_from=date(2026, 1, 1))
    client.force_login(staff)
    url = reverse("branches:npec")
    codes = lambda query: sorted(e.rncp for e in client.get(url, query).context["object_list"])  # noqa: E731
    assert codes({}) == ["RNCP38380", "RNCP38381"]
    assert codes({"rncp": "38381"}) == ["RNCP38381"]
    assert codes({"idcc": "843"}) == ["RNCP38380", "RNCP38381"]
    assert codes({"idcc": "2596"}) == []
    assert codes({"nc": "on"}) == ["RNCP38380"]
    assert codes({"applicable_on": "2025-12-31"}) == ["RNCP38381"]
    assert codes({"status": "CPNE", "cpne": "77"}) == ["RNCP38380", "RNCP38381"]
