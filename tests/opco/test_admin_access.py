"""The Django admin is for administrators: a logged-in user who is not one gets 403 on every admin URL
(sent to the login page instead, they came back to the admin already logged in, and round again)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ADMIN_URLS = [
    "/admin/",
    "/admin/login/?next=/admin/",
    "/admin/opco/auditentry/",
    "/admin/accounts/user/",
    "/admin/accounts/user/1/change/",
    "/admin/referentials/",
    "/admin/pas-une-page/",
]
NOT_ADMINISTRATORS = [
    {"gestionnaire": True},
    {"finance": True},
    {"responsable": True},
    {"gestionnaire": True, "is_staff": True},  # the Django flag alone opens nothing
    {"advisor": True},
    {"branch_rep": True},
]


@pytest.mark.parametrize("traits", NOT_ADMINISTRATORS, ids=lambda traits: "+".join(traits))
def test_a_logged_in_user_who_is_not_an_administrator_gets_403_on_every_admin_url(client, make_user, traits):
    client.force_login(make_user(**traits))
    for url in ADMIN_URLS:
        assert client.get(url).status_code == 403, url


def test_the_admin_no_longer_sends_a_logged_in_non_administrator_round_in_circles(client, make_user):
    client.force_login(make_user(gestionnaire=True))
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403 and response.redirect_chain == []


def test_anonymous_users_are_still_sent_to_login(client):
    login = reverse("account_login")
    for url in ["/admin/", "/admin/opco/auditentry/", "/admin/login/?next=/admin/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith((login, "/admin/login/")), url
    assert client.get("/admin/", follow=True).redirect_chain[-1][0].startswith(login)


def test_administrators_still_use_the_admin(client, make_user):
    client.force_login(make_user(administrateur=True))
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/opco/auditentry/").status_code == 200
    assert client.get("/admin/login/?next=/admin/")["Location"].startswith(reverse("account_login"))
