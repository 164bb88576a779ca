"""The Pro-A stock: amendments concluded before 1 January 2026 are recorded and read under the old
rules (L6324-1, D6324-1, D6324-1-1, D6324-2, D6332-89/90 in their 2023 versions); one concluded
from that date is refused (loi n° 2025-989 art. 11) and nothing is stored."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from contracts.models.reconversion import ProAAmendment
from contracts.reconversion.pro_a import pro_a_amendment_record, pro_a_checks
from opco.models import AuditEntry
from tests.contracts.factories import EMPLOYER_SIRET

pytestmark = pytest.mark.django_db


def amendment_data(**changes) -> dict:
    data = {
        "deposit_reference": "PROA-2025-0042",
        "signed_on": date(2025, 12, 31),
        "employer_siret": EMPLOYER_SIRET,
        "employer_name": "Boulangerie Durand",
        "employer_idcc": "0843",
        "employee_last_name": "Roux",
        "employee_first_name": "Paul",
        "employee_birth_date": date(1979, 1, 3),
        "employee_contract": "cdi",
        "below_licence": True,
        "target": "qualification",
        "certification_code": "RNCP35234",
        "start_date": date(2026, 1, 12),
        "end_date": date(2027, 1, 11),
        "training_hours": Decimal("300"),
        "total_hours": Decimal("1600"),
        "tutor_last_name": "Bernard",
        "tutor_first_name": "Anne",
    }
    data.update(changes)
    return data


def statuses(amendment) -> dict[str, str]:
    return {check.code: check.status for check in pro_a_checks(amendment).checks}


def test_an_amendment_of_31_december_2025_is_recorded_with_the_default_forfait(staff):
    amendment = pro_a_amendment_record(actor=staff, data=amendment_data())
    assert amendment.file_number == f"PA-2025-{amendment.pk:06d}"
    assert amendment.funding_amount == Decimal("2745.00")  # 9,15 €/h × 300 h (D6332-90 ancien)
    assert set(statuses(amendment).values()) == {"ok"}
    assert AuditEntry.objects.get(action="pro_a_record").summary == "Avenant Pro-A enregistré (stock avant 2026)"


def test_a_branch_forfait_replaces_the_default(staff):
    amendment = pro_a_amendment_record(actor=staff, data=amendment_data(branch_hourly_rate=Decimal("12.50")))
    assert amendment.funding_amount == Decimal("3750.00")


def test_an_amendment_of_1_january_2026_is_refused_and_nothing_is_stored(staff):
    with pytest.raises(ValidationError) as refused:
        pro_a_amendment_record(actor=staff, data=amendment_data(signed_on=date(2026, 1, 1)))
    assert refused.value.message_dict["signed_on"] == [
        "Avenant conclu le 01/01/2026 : depuis le 1er janvier 2026, la Pro-A est remplacée par la période de "
        "reconversion (loi n° 2025-989 du 24 octobre 2025, art. 11) ; déposez une période de reconversion."
    ]
    assert ProAAmendment.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_the_database_refuses_a_2026_amendment_too(staff):
    amendment = pro_a_amendment_record(actor=staff, data=amendment_data())
    with pytest.raises(IntegrityError), transaction.atomic():
        ProAAmendment.objects.filter(pk=amendment.pk).update(signed_on=date(2026, 1, 1))


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"employee_contract": "autre"}, "PROA_PUBLIC"),
        ({"below_licence": False}, "PROA_NIVEAU"),
        ({"end_date": date(2026, 7, 10)}, "PROA_DUREE"),  # 6 months would end on 11 July
        ({"end_date": date(2027, 1, 12)}, "PROA_DUREE"),  # 12 months end on 11 January
        ({"training_hours": Decimal("149"), "total_hours": Decimal("800")}, "PROA_HEURES"),
        ({"training_hours": Decimal("239.99")}, "PROA_HEURES"),  # under 15 % of 1 600 h
        ({"training_hours": Decimal("400.01")}, "PROA_HEURES"),  # over 25 %
        ({"tutor_last_name": ""}, "PROA_TUTEUR"),
    ],
)
def test_old_rules_are_shown_on_the_stock(staff, changes, code):
    amendment = pro_a_amendment_record(actor=staff, data=amendment_data(**changes))
    assert {c: s for c, s in statuses(amendment).items() if s != "ok"} == {code: "error"}
    assert code in AuditEntry.objects.get(action="pro_a_record").summary


@pytest.mark.parametrize(
    "changes",
    [
        {"end_date": date(2026, 7, 11)},  # exactly 6 months
        {"training_hours": Decimal("240")},  # exactly 15 %
        {"training_hours": Decimal("400")},  # exactly 25 %
        {"training_hours": Decimal("500"), "above_25_by_agreement": True},
        {"end_date": date(2028, 1, 11), "extended_by_branch": True},  # 24 months
        {"target": "socle", "training_hours": Decimal("70"), "end_date": date(2026, 3, 31)},
    ],
)
def test_old_rules_at_their_bounds(staff, changes):
    amendment = pro_a_amendment_record(actor=staff, data=amendment_data(**changes))
    assert set(statuses(amendment).values()) == {"ok"}


def test_pro_a_screens(staff, client_for, make_user):
    client = client_for(staff)
    form = {
        f"pro_a-{k}": (v.isoformat() if isinstance(v, date) else v) for k, v in amendment_data(signed_on=date(2026, 1, 1)).items()
    }
    form["pro_a-below_licence"] = "on"
    page = client.post(reverse("reconversions:pro_a_new"), form).content.decode()
    assert "la Pro-A est remplacée par la période de reconversion" in page
    assert ProAAmendment.objects.count() == 0
    form["pro_a-signed_on"] = "2025-12-31"
    response = client.post(reverse("reconversions:pro_a_new"), form)
    amendment = ProAAmendment.objects.get()
    assert response["Location"] == reverse("reconversions:pro_a_detail", args=[amendment.pk])
    detail = client.get(response["Location"]).content.decode()
    assert "PROA_TUTEUR" in detail and "2\u202f745,00 €" in detail
    assert amendment.file_number in client.get(reverse("reconversions:pro_a_list")).content.decode()
    # A representative sees none of it (figures, not people: RGPD art. 5 1 c).
    outsider = client_for(make_user(kind="branch_rep"))
    assert amendment.file_number not in outsider.get(reverse("reconversions:pro_a_list")).content.decode()
    assert outsider.get(reverse("reconversions:pro_a_detail", args=[amendment.pk])).status_code == 403
