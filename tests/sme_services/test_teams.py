"""Advisor teams managed on a screen by managers (create, manager, members), audited; refusals save
nothing; only managers and administrators reach the screen."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from opco.models import AuditEntry
from sme_services.models import AdvisorTeam
from sme_services.services.teams import team_save

pytestmark = pytest.mark.django_db
TEAMS = reverse("sme_services:teams")


@pytest.fixture
def people(make_user):
    return {
        "manager": make_user(kind="staff", groups=["responsable"], email="resp@opco.test"),
        "other_manager": make_user(kind="staff", groups=["responsable"], email="resp2@opco.test"),
        "clerk": make_user(kind="staff", groups=["gestionnaire"], email="gest@opco.test"),
        "a1": make_user(kind="advisor", email="a1@opco.test"),
        "a2": make_user(kind="advisor", email="a2@opco.test"),
        "a3": make_user(kind="advisor", email="a3@opco.test"),
    }


def test_a_manager_creates_then_changes_a_team_on_the_screen_audited(people, client_for):
    p = people
    client = client_for(p["manager"])
    assert client.get(TEAMS).status_code == 200
    response = client.post(TEAMS, {"name": "Équipe Rhône", "manager": p["manager"].pk, "members": [p["a1"].pk, p["a2"].pk]})
    assert response.status_code == 302
    team = AdvisorTeam.objects.get()
    assert (team.name, team.manager, set(team.members.all())) == ("Équipe Rhône", p["manager"], {p["a1"], p["a2"]})
    created = AuditEntry.objects.get(action="advisor_team_create")
    assert created.actor == p["manager"] and created.changes["members"] == [[], sorted([str(p["a1"]), str(p["a2"])])]
    url = reverse("sme_services:team", args=[team.pk])
    assert client.get(url).context["form"].initial["name"] == "Équipe Rhône"
    client.post(url, {"name": "Équipe Rhône-Alpes", "manager": p["other_manager"].pk, "members": [p["a2"].pk, p["a3"].pk]})
    team.refresh_from_db()
    assert (team.name, team.manager, set(team.members.all())) == ("Équipe Rhône-Alpes", p["other_manager"], {p["a2"], p["a3"]})
    changed = AuditEntry.objects.get(action="advisor_team_change")
    assert set(changed.changes) == {"name", "manager", "members"}
    html = client.get(url).content.decode()
    assert "Équipe « Équipe Rhône-Alpes » modifiée" in html and "Équipe « Équipe Rhône » créée" in html


def test_refusals_save_nothing(people, client_for):
    p = people
    team = team_save(actor=p["manager"], name="Nord", manager=p["manager"], members=[p["a1"]])
    before = AuditEntry.objects.count()
    cases = [
        ({"name": "nord", "manager": p["manager"], "members": []}, "name"),  # the same name
        ({"name": "Sud", "manager": p["clerk"], "members": []}, "manager"),  # not a manager
        ({"name": "Sud", "manager": p["manager"], "members": [p["clerk"]]}, "members"),  # not an advisor
        ({"name": "Sud", "manager": p["manager"], "members": [p["a1"]]}, "members"),  # already in Nord
    ]
    for values, field in cases:
        with pytest.raises(ValidationError) as refusal:
            team_save(actor=p["manager"], **values)
        assert field in refusal.value.message_dict
    with pytest.raises(PermissionDenied):
        team_save(actor=p["clerk"], name="Sud", manager=p["manager"], members=[])
    assert list(AdvisorTeam.objects.values_list("name", flat=True)) == ["Nord"] and AuditEntry.objects.count() == before
    assert list(team.members.all()) == [p["a1"]]
    response = client_for(p["manager"]).post(TEAMS, {"name": "Sud", "manager": p["manager"].pk, "members": [p["a1"].pk]})
    assert response.status_code == 200 and "Déjà dans une autre équipe" in response.content.decode()
    assert AdvisorTeam.objects.count() == 1


@pytest.mark.parametrize("who", ["clerk", "a1"])
def test_only_managers_reach_the_screen(people, client_for, who):
    client = client_for(people[who])
    assert client.get(TEAMS).status_code == 403
    assert client.post(TEAMS, {"name": "X", "manager": people["manager"].pk}).status_code == 403
    assert not AdvisorTeam.objects.exists()
