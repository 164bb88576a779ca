"""« Mes notifications »: every kind of user reaches their own page, marks their notifications read
with or without htmx (never someone else's), and changes their preferences."""

import pytest
from django.urls import reverse

from accounts import roles
from notifications.kinds import register_kind
from notifications.models import Notification, NotificationPreference
from notifications.urls import urlpatterns
from notifications.views import PAGE_SIZE
from opco.access import declared_roles
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:list")
MARK_READ = reverse("notifications:mark_read")
PREFERENCES = reverse("notifications:preferences")


@pytest.fixture
def staff(make_user):
    return make_user(kind="staff", groups=["gestionnaire"])


@pytest.fixture
def kinds():
    from notifications import kinds as registry

    saved = dict(registry._registry)
    registry._registry.clear()
    register_kind("echeance", "Dossiers dont l'échéance approche")
    yield
    registry._registry.clear()
    registry._registry.update(saved)


@pytest.mark.parametrize("pattern", urlpatterns, ids=[p.name for p in urlpatterns])
def test_every_view_is_open_to_every_kind_of_user(pattern):
    assert set(declared_roles(pattern.callback)) == set(roles.ANY_USER)


@pytest.mark.parametrize("kind", ["staff", "advisor", "branch_rep"])
def test_each_kind_of_user_sees_their_own_notifications_only(make_user, client_for, kind):
    user, other = make_user(kind=kind), make_user(kind="staff")
    NotificationFactory(user=user, title="Votre dossier AP-1 a été accepté", link="/contrats/1/")
    NotificationFactory(user=other, title="Le lot n° 12 attend votre approbation")

    response = client_for(user).get(LIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="h3 mb-3">Mes notifications</h1>' in html
    assert '<a href="/contrats/1/">Votre dossier AP-1 a été accepté</a>' in html
    assert "Le lot n° 12" not in html
    assert "Non lues (1)" in html


def test_the_unread_filter_and_the_pages(staff, client_for):
    NotificationFactory.create_batch(PAGE_SIZE + 2, user=staff)
    NotificationFactory(user=staff, read=True, title="Déjà lue")
    client = client_for(staff)

    response = client.get(LIST)
    first = response.content.decode()
    assert 'rel="next"' in first and "Déjà lue" in first  # the newest first
    second = client.get(f"{LIST}?{response.context['page'].next_query}").content.decode()
    assert second.count('class="list-group-item') == 3 and 'rel="next"' not in second and 'rel="prev"' in second
    response = client.get(LIST, {"non_lues": "1"})
    unread = response.content.decode()
    assert "Déjà lue" not in unread and 'rel="next"' in unread
    next_query = response.context["page"].next_query
    assert "non_lues=1" in next_query and "after=" in next_query  # the filter follows the pages
    assert client.get(f"{LIST}?{next_query}").content.decode().count('class="list-group-item') == 2


def test_mark_one_read_without_javascript_redirects_to_the_list(staff, client_for):
    notification = NotificationFactory(user=staff)
    response = client_for(staff).post(MARK_READ, {"ids": notification.pk, "non_lues": "1"}, follow=True)
    assert response.redirect_chain == [(LIST + "?non_lues=1", 302)]
    assert "1 notification marquée comme lue." in response.content.decode()
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_mark_read_with_htmx_returns_the_list_alone(staff, client_for):
    notifications = NotificationFactory.create_batch(2, user=staff)
    response = client_for(staff).post(MARK_READ, {"ids": notifications[0].pk}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div id="notifications-list">') and "<html" not in html
    assert "Non lues (1)" in html
    assert list(Notification.objects.filter(read_at=None)) == [notifications[1]]


def test_mark_all_read(staff, client_for):
    NotificationFactory.create_batch(3, user=staff)
    client_for(staff).post(MARK_READ, {"all": "1"})
    assert Notification.objects.filter(read_at=None).count() == 0


def test_someone_else_s_notification_is_left_alone(staff, make_user, client_for):
    foreign = NotificationFactory(user=make_user(kind="advisor"))
    response = client_for(staff).post(MARK_READ, {"ids": foreign.pk}, follow=True)
    assert response.status_code == 200
    assert Notification.objects.get(pk=foreign.pk).read_at is None


def test_mark_read_with_nothing_chosen_changes_nothing(staff, client_for):
    NotificationFactory(user=staff)
    response = client_for(staff).post(MARK_READ, {"ids": "abc"}, follow=True)
    assert "Aucune notification choisie." in response.content.decode()
    assert Notification.objects.filter(read_at=None).count() == 1


def test_mark_read_refuses_get(staff, client_for):
    assert client_for(staff).get(MARK_READ).status_code == 405


def test_the_preferences_form_shows_and_records_the_choices(staff, client_for, kinds):
    client = client_for(staff)
    html = client.get(LIST).content.decode()
    assert "Dossiers dont l&#x27;échéance approche" in html
    assert 'name="echeance__email" class="form-check-input" id="id_echeance__email" checked' in html

    # Unticked boxes are not sent: e-mail off, application on.
    response = client.post(PREFERENCES, {"echeance__app": "on"}, follow=True)

    assert "Préférences enregistrées." in response.content.decode()
    assert list(NotificationPreference.objects.values_list("user_id", "kind", "by_email", "in_app")) == [
        (staff.pk, "echeance", False, True)
    ]
    again = client.post(PREFERENCES, {"echeance__app": "on"}, follow=True)
    assert "Aucune préférence n&#x27;a changé." in again.content.decode()


def test_the_panel_view_renders_the_panel_alone(staff, client_for):
    NotificationFactory(user=staff, title="Le lot n° 12 attend votre approbation")
    response = client_for(staff).get(reverse("notifications:panel"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="notifications-panel"' in html and "une notification non lue" in html


def test_every_page_links_to_my_notifications(staff, client_for):
    # Every page carries the link; the count is on the page and in the panel, so that no page pays a
    # query for it (the lists keep their query budgets).
    page = client_for(staff).get(reverse("home")).content.decode()
    assert '<a class="nav-link" href="/notifications/">Notifications</a>' in page
