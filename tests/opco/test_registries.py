"""What lower layers show of higher ones comes from registrations (DESIGN.md, « Data flows one way »):
the home page's panels and tiles, the profile's sections, who may use the admin."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.enums import StaffGroup
from branches.models import Branch, BranchMembership
from opco import admin as opco_admin
from opco.access import Role
from opco.panels import Panels

pytestmark = pytest.mark.django_db

ADVISORS = Role("advisor", "Conseiller", lambda user: user.kind == "advisor")


def request_for(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_panels_come_in_order_and_only_to_the_roles_they_name(make_user):
    panels = Panels()
    tile = "includes/home_tile.html"
    panels.register("second", template=tile, context=lambda user: {"count": 2, "label": "deux", "url": "/2/"}, order=20)
    panels.register("first", template=tile, context=lambda user: {"count": 1, "label": "un", "url": "/1/"}, order=10)
    panels.register(
        "advisors", template=tile, context=lambda user: {"count": 3, "label": "trois", "url": "/3/"}, roles=(ADVISORS,)
    )

    staff_view = panels.render(request_for(make_user("staff")))
    advisor_view = panels.render(request_for(make_user("advisor")))

    assert [("un" in html, "deux" in html) for html in staff_view] == [(True, False), (False, True)]
    assert len(advisor_view) == 3 and "trois" in advisor_view[2]
    assert staff_view[0] == (
        '<div class="col-md-3"><a class="card text-decoration-none h-100" href="/1/"><div class="card-body">'
        '<div class="display-6">1</div>un</div></a></div>'
    )


def test_registering_a_key_again_replaces_the_panel(make_user):
    panels = Panels()
    panels.register("tile", template="includes/home_tile.html", context=lambda user: {"label": "avant"})
    panels.register("tile", template="includes/home_tile.html", context=lambda user: {"label": "après"})
    [html] = panels.render(request_for(make_user("staff")))
    assert "après" in html


def test_a_page_about_one_thing_passes_it_to_its_panels_contexts(make_user):
    panels = Panels()
    panels.register(
        "about",
        template="includes/home_tile.html",
        context=lambda user, company: {"count": 1, "label": f"pour {company}", "url": "/"},
    )
    [html] = panels.render(request_for(make_user("staff")), company="ACME")
    assert "pour ACME" in html


def test_an_empty_roles_tuple_is_refused_rather_than_shown_to_nobody():
    with pytest.raises(ValueError):
        Panels().register("x", template="includes/home_tile.html", roles=())


def test_home_shows_the_referential_tiles_to_everyone_and_the_branch_panel_to_representatives(client, make_user):
    branch = Branch.objects.create(code="IDCC-0843", name="Boulangerie-pâtisserie artisanales")
    representative = make_user("branch_rep")
    BranchMembership.objects.create(user=representative, branch=branch)

    client.force_login(make_user("staff"))
    staff_page = client.get(reverse("home")).content.decode()
    client.force_login(representative)
    representative_page = client.get(reverse("home")).content.decode()

    for page in (staff_page, representative_page):
        positions = [
            page.index(f'href="{reverse(name)}"><div class="card-body">')
            for name in ("referentials:providers", "referentials:certifications", "referentials:idcc", "referentials:companies")
        ]
        assert positions == sorted(positions)
    assert "Votre branche" not in staff_page
    assert f'<li><a href="{reverse("branches:detail", args=[branch.pk])}">Boulangerie-pâtisserie artisanales</a></li>' in (
        representative_page
    )


def test_profile_lists_a_representatives_branches_and_no_one_elses(client, make_user):
    representative = make_user("branch_rep")
    BranchMembership.objects.create(user=representative, branch=Branch.objects.create(code="B1", name="Boulangerie"))
    client.force_login(representative)
    assert (
        '<dt class="col-sm-3">Branches</dt><dd class="col-sm-9">Boulangerie</dd>'
        in client.get(reverse("accounts:profile")).content.decode()
    )
    client.force_login(make_user("staff"))
    assert "Branches</dt>" not in client.get(reverse("accounts:profile")).content.decode()


def test_only_administrators_reach_the_admin(make_user):
    assert admin.site.has_permission(request_for(make_user("staff", groups=[StaffGroup.ADMINISTRATEUR])))
    assert not admin.site.has_permission(request_for(make_user("staff", groups=[StaffGroup.GESTIONNAIRE])))


def test_the_admin_refuses_everyone_while_nobody_said_who_may_enter(make_user, monkeypatch):
    monkeypatch.setattr(opco_admin, "_admin_access", None)
    superuser = make_user("staff", groups=[StaffGroup.ADMINISTRATEUR], is_superuser=True)
    assert not admin.site.has_permission(request_for(superuser))
