"""Every view of the project's apps, requested by every kind of user, answers as the roles it declares
say (opco.access, DESIGN.md « Security baseline »): anonymous and inactive users are sent to login (the
API refuses them), a user holding one of the view's roles gets in (a sample id that does not exist
answers 404), a user holding none of them gets 403, and no one gets a 500. Every active user holds a
role (accounts.roles): the user with none is an inactive one.

Nothing here is written per view: the routes come from the URL resolver, the roles from what each view
declares, and whether a user holds them from the roles' own checks on a user of that kind."""

import pytest
from django.urls import reverse

from accounts import roles
from opco.access import Role, user_has_any_role
from tests.accounts.factories import UserFactory
from tests.routes import ALL_ROUTES, concrete_path, is_api_view, is_project_view, is_public, roles_of

# The users of the matrix, by their trait in tests.accounts.factories.UserFactory.
KINDS = ("gestionnaire", "finance", "responsable", "administrateur", "advisor", "branch_rep")
SAMPLES = {kind: UserFactory.build(**{kind: True}) for kind in KINDS}
ALL_ROLES = [value for value in vars(roles).values() if isinstance(value, Role)]

VIEWS = [
    (route, pattern.callback)
    for route, pattern in ALL_ROUTES
    if is_project_view(route, pattern.callback) and not is_public(pattern.callback)
]
GRANTED = [(route, view, kind) for route, view in VIEWS for kind in KINDS if user_has_any_role(SAMPLES[kind], roles_of(view))]
REFUSED = [(route, view, kind) for route, view in VIEWS for kind in KINDS if not user_has_any_role(SAMPLES[kind], roles_of(view))]
LOGGED_OUT = [(route, view, who) for route, view in VIEWS for who in ("anonymous", "inactive")]


def ids(cases) -> list[str]:
    return [f"{route or '/'}-{who}" for route, _, who in cases]


def held(user) -> set[str]:
    return {role.code for role in ALL_ROLES if role(user)}


@pytest.fixture
def user_of(make_user):
    """A saved user of `kind` (with its TOTP authenticator when MFA applies), holding the same roles as the
    unsaved sample the expectations were computed on."""

    def make(kind: str):
        user = make_user(**{kind: True})
        assert held(user) == held(SAMPLES[kind])
        return user

    return make


def test_the_matrix_has_every_project_view_and_each_lets_some_kind_of_user_in():
    assert len(VIEWS) > 50
    assert {route for route, _, _ in GRANTED} == {route for route, _ in VIEWS}


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "view", "who"), LOGGED_OUT, ids=ids(LOGGED_OUT))
def test_anonymous_and_inactive_users_are_sent_to_login_and_refused_by_the_api(client, make_user, route, view, who):
    if who == "inactive":
        inactive = make_user(gestionnaire=True, inactive=True)
        assert held(inactive) == set()  # the user without any role: no role holds for an inactive account
        client.force_login(inactive)
    response = client.get(concrete_path(route))
    if is_api_view(view):
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "view", "kind"), GRANTED, ids=ids(GRANTED))
def test_a_user_holding_one_of_the_declared_roles_gets_in(client, user_of, route, view, kind):
    client.force_login(user_of(kind))
    response = client.get(concrete_path(route))
    assert response.status_code not in (401, 403, 500)  # 404 is fine: the sample ids do not exist
    if response.status_code == 302:
        assert not response["Location"].startswith((reverse("account_login"), reverse("mfa_activate_totp")))


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "view", "kind"), REFUSED, ids=ids(REFUSED))
def test_a_user_holding_none_of_the_declared_roles_gets_403(client, user_of, route, view, kind):
    client.force_login(user_of(kind))
    assert client.get(concrete_path(route)).status_code == 403
