"""Who sees what, through the pages: staff everything; a representative the projects of their branch,
writing by their CPNE role; another branch's rows are absent from lists (0 rows) and answer 404; the
public sees only what a branch published, without logging in; the branch portal's panel."""

import re
from datetime import date

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse

from branches.branch_page import BRANCH_PANELS
from branches.certifications import services
from branches.certifications.enums import CpneRole, ProjectStatus
from branches.certifications.models import Bloc, CertificationProject, Review
from branches.models import BranchMembership
from tests.accounts.factories import UserFactory
from tests.branches.certifications.factories import branch_with_cpne, complete_checklist, member, project_at, staff_user
from tests.routes import ALL_ROUTES

pytestmark = pytest.mark.django_db
PROJECT_ROUTES = [route for route, _ in ALL_ROUTES if route.startswith("branches/certifications/<int:pk>/")]


@pytest.fixture
def two_branches():
    own, other = branch_with_cpne("1486"), branch_with_cpne("0843")
    own_project = services.project_create(actor=staff_user(), branch=own, title="CQP Boulanger", today=date(2026, 1, 5))
    other_project = services.project_create(actor=staff_user(), branch=other, title="CQP Secrétaire", today=date(2026, 1, 5))
    other_bloc = services.bloc_add(actor=staff_user(), project=other_project, code="BC01", title="Accueillir")
    review = services.review_request(
        actor=staff_user(), project=other_project, reviewer=staff_user(), question="?", due_on=date(2099, 1, 1)
    )
    return {
        "own": own,
        "other": other,
        "own_project": own_project,
        "other_project": other_project,
        "other_bloc": other_bloc,
        "other_review": review,
        "rep": member(own, CpneRole.TITULAR),
    }


def _rows(html: str) -> int:
    return len(re.findall(r'href="/branches/certifications/\d+/"', html))


def test_a_representative_lists_only_their_branch_projects(client_for, two_branches):
    page = client_for(two_branches["rep"]).get(reverse("branches:certifications:list")).content.decode()
    assert "CQP Boulanger" in page and "CQP Secrétaire" not in page and _rows(page) == 1
    staff_page = client_for(staff_user()).get(reverse("branches:certifications:list")).content.decode()
    assert _rows(staff_page) == 2
    export = client_for(two_branches["rep"]).get(reverse("branches:certifications:list") + "?format=csv&q=CQP")
    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and "CQP Boulanger" in lines[1]  # header + the own branch's row only
    filtered = client_for(two_branches["rep"]).get(reverse("branches:certifications:list") + "?q=Secrétaire").content.decode()
    assert _rows(filtered) == 0


def test_another_branch_project_answers_404_on_every_route(client_for, two_branches):
    client = client_for(two_branches["rep"])
    own, other = two_branches["own_project"].pk, two_branches["other_project"].pk
    assert len(PROJECT_ROUTES) == 15
    leaks = []
    for route in PROJECT_ROUTES:
        path = "/" + route.replace("<int:pk>", str(other)).replace("<str:code>", "file")
        own_path = "/" + route.replace("<int:pk>", str(own)).replace("<str:code>", "file")
        for method in ("get", "post"):
            status = getattr(client, method)(path).status_code
            # 403 is no leak when the route refuses the role itself (staff-only decisions), own file included.
            if status not in (404, 405) and not (status == 403 and getattr(client, method)(own_path).status_code == 403):
                leaks.append(f"{method} {route} → {status}")
    assert leaks == []
    assert client.get(f"/branches/certifications/{own}/").status_code == 200
    for name, obj in (("bloc_remove", "other_bloc"), ("review_answer", "other_review")):
        assert client.post(reverse(f"branches:certifications:{name}", args=[two_branches[obj].pk])).status_code == 404
    assert Bloc.objects.filter(pk=two_branches["other_bloc"].pk).exists()
    assert Review.objects.get(pk=two_branches["other_review"].pk).answered_on is None
    assert client.get(reverse("branches:certifications:branch_renewals", args=[two_branches["other"].pk])).status_code == 404


def test_a_member_without_a_seat_sees_no_project(client_for, two_branches):
    rep = UserFactory(branch_rep=True)
    BranchMembership.objects.create(user=rep, branch=two_branches["own"])
    from accounts.totp import totp_activate

    totp_activate(user=rep, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client = client_for(rep)
    assert _rows(client.get(reverse("branches:certifications:list")).content.decode()) == 0
    assert client.get(reverse("branches:certifications:project", args=[two_branches["own_project"].pk])).status_code == 404


def test_a_titular_adds_a_bloc_through_the_page_and_an_observer_is_refused(client_for, two_branches):
    project = two_branches["own_project"]
    url = reverse("branches:certifications:bloc_add", args=[project.pk])
    response = client_for(two_branches["rep"]).post(url, {"code": "bc01", "title": "Pétrir", "level": "3"})
    assert response.status_code == 302
    assert list(project.blocs.values_list("code", "title", "level")) == [("BC01", "Pétrir", 3)]
    observer = member(two_branches["own"], CpneRole.OBSERVER)
    client_for(observer).post(url, {"code": "BC02", "title": "Cuire"})
    assert project.blocs.count() == 1
    assert client_for(observer).get(reverse("branches:certifications:project", args=[project.pk])).status_code == 200


def test_a_representative_opens_a_project_for_their_branch_only(client_for, two_branches):
    client = client_for(two_branches["rep"])
    response = client.post(
        reverse("branches:certifications:create"),
        {"branch": two_branches["other"].pk, "title": "Intrus", "kind": "create", "repertoire": ""},
    )
    assert response.status_code == 200 and not CertificationProject.objects.filter(title="Intrus").exists()
    client.post(
        reverse("branches:certifications:create"),
        {"branch": two_branches["own"].pk, "title": "CQP Pâtissier", "kind": "create", "repertoire": "rncp", "level": "4"},
    )
    assert CertificationProject.objects.get(title="CQP Pâtissier").branch == two_branches["own"]


def test_the_public_page_shows_only_what_a_branch_published_without_login(client):
    with time_machine.travel(date(2026, 2, 2), tick=False):
        project = project_at(ProjectStatus.CREATED)
        services.project_update(actor=staff_user(), project=project, cohorts=2, honour_check_on=date(2026, 1, 20))
        complete_checklist(project, actor=staff_user(), filed_on=date(2026, 2, 2))
        services.project_transition(actor=staff_user(), project=project, code="file")
    services.project_register(
        actor=staff_user(),
        project=project,
        rncp_code="RNCP41234",
        decided_on=date(2026, 3, 1),
        registered_from=date(2026, 3, 1),
        registration_ends_on=date(2031, 3, 1),
        publication_reference="JO",
    )
    project_at(ProjectStatus.WRITING, branch=project.branch)
    url = reverse("branches:certifications:public")
    assert "RNCP41234" not in client.get(url).content.decode()
    services.project_publish(actor=staff_user(), project=project, published=True)
    page = client.get(url).content.decode()
    assert client.get(url).status_code == 200
    assert "RNCP41234" in page and "BC01" in page and page.count('class="card mb-2"') == 1
    assert "Pièce" not in page and "Association paritaire" in page  # the checklist's evidence stays inside


def test_the_branch_portal_panel_shows_figures_to_the_branch_members_only(two_branches):
    request = RequestFactory().get("/")
    request.user = two_branches["rep"]
    own = "".join(BRANCH_PANELS.render(request, branch=two_branches["own"]))
    assert "Certifications de la branche" in own and "Étude d&#x27;opportunité" in own
    assert "Certifications de la branche" not in "".join(BRANCH_PANELS.render(request, branch=two_branches["other"]))
    request.user = staff_user()
    assert "Certifications de la branche" in "".join(BRANCH_PANELS.render(request, branch=two_branches["other"]))


def test_staff_name_a_member_role_in_the_cpne_through_the_page(client_for, two_branches):
    from branches.certifications.models import CpneSeat

    rep = two_branches["rep"]
    url = reverse("branches:certifications:cpne_seats", args=[two_branches["own"].pk])
    response = client_for(staff_user()).post(url, {"user": rep.pk, "role": CpneRole.OBSERVER, "college": "employee"})
    assert response.status_code == 302
    assert CpneSeat.objects.get(user=rep).role == CpneRole.OBSERVER
    # A representative of another branch is not offered for this branch's CPNE.
    outsider = member(two_branches["other"], CpneRole.TITULAR)
    response = client_for(staff_user()).post(url, {"user": outsider.pk, "role": CpneRole.PRESIDENT})
    assert response.status_code == 200 and not CpneSeat.objects.filter(user=outsider, branch=two_branches["own"]).exists()
    assert client_for(rep).get(url).status_code == 403


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("staff", True),
        ("president", True),
        ("vice_president", True),
        ("titular", True),
        ("substitute", False),
        ("observer", False),
        ("other_branch_president", False),
    ],
)
def test_who_may_move_a_project_by_cpne_role(who, may):
    from django.core.exceptions import PermissionDenied

    branch = branch_with_cpne()
    project = project_at(ProjectStatus.OPPORTUNITY, branch=branch)
    if who == "staff":
        actor = staff_user()
    elif who == "other_branch_president":
        actor = member(branch_with_cpne("0843"), CpneRole.PRESIDENT)
    else:
        actor = member(branch, who)
    if may:
        assert services.project_transition(actor=actor, project=project, code="abandon").status == ProjectStatus.ABANDONED
    else:
        with pytest.raises(PermissionDenied):
            services.project_transition(actor=actor, project=project, code="abandon")
        assert CertificationProject.objects.get(pk=project.pk).status == ProjectStatus.OPPORTUNITY


def test_the_project_page_at_each_step_offers_what_the_user_may_do(client_for):
    with time_machine.travel(date(2026, 2, 2), tick=False):
        project = project_at(ProjectStatus.CREATED)
        president = member(project.branch, CpneRole.PRESIDENT)
        url = reverse("branches:certifications:project", args=[project.pk])
        page = client_for(president).get(url).content.decode()
        assert 'data-action="file"' in page and "Honorabilité des dirigeants" in page and "Dépôt impossible tant que" in page
        services.project_update(actor=staff_user(), project=project, cohorts=2, honour_check_on=date(2026, 1, 20))
        complete_checklist(project, actor=staff_user(), filed_on=date(2026, 2, 2))
        client_for(president).post(reverse("branches:certifications:action", args=[project.pk, "file"]))
        assert CertificationProject.objects.get(pk=project.pk).status == ProjectStatus.FILED
        assert "Enregistrer la décision" not in client_for(president).get(url).content.decode()
        assert "Enregistrer la décision" in client_for(staff_user()).get(url).content.decode()
    response = client_for(staff_user()).post(
        reverse("branches:certifications:register", args=[project.pk]),
        {
            "rncp_code": "RNCP41234",
            "decided_on": "2026-03-01",
            "registered_from": "2026-03-01",
            "registration_ends_on": "2031-03-02",
            "publication_reference": "JO",
        },
        follow=True,
    )
    assert "au plus cinq ans (L6113-5, L6113-6) : échéance au plus tard le 01/03/2031" in response.content.decode()
    assert CertificationProject.objects.get(pk=project.pk).status == ProjectStatus.FILED
    edit_url = reverse("branches:certifications:edit", args=[project.pk])
    assert client_for(president).get(edit_url).status_code == 302  # filed: no longer editable
    assert client_for(president).post(edit_url, {"title": "Autre", "cohorts": 2}).status_code == 302
    assert CertificationProject.objects.get(pk=project.pk).title == "CQP Technicien de maintenance"
