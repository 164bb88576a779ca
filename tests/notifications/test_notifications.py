"""In-app notifications, read marks, per-user preferences and the panel other pages include."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from notifications import selectors
from notifications.enums import Level
from notifications.kinds import kind_of, register_kind
from notifications.models import Notification, NotificationPreference
from notifications.panel import PanelItem, register_panel_source, unregister_panel_source
from notifications.services import notification_notify, notification_preferences_set, notifications_mark_read
from opco.audit import history_of
from tests.accounts.factories import UserFactory
from tests.notifications.factories import NotificationFactory, NotificationPreferenceFactory, ReminderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kinds():
    """Two kinds registered as a mission would in its AppConfig.ready(), alone in the registry (the
    apps' own kinds set aside for the test)."""
    from notifications import kinds as registry

    saved = dict(registry._registry)
    registry._registry.clear()
    register_kind("echeance", "Dossiers dont l'échéance approche")
    register_kind("lot_a_approuver", "Lots de paiement à approuver", by_email=False)
    yield
    registry._registry.clear()
    registry._registry.update(saved)


# --- Notify -------------------------------------------------------------------------------------------
def test_notify_shows_the_title_to_each_active_user_once():
    alice, bruno, gone = UserFactory(), UserFactory(), UserFactory(is_active=False)
    created = notification_notify(
        users=[alice, bruno, alice, gone], title="Le lot n° 12 attend votre approbation", link="/paiements/lots/12/", kind="lot"
    )
    assert len(created) == 2
    rows = Notification.objects.order_by("user_id").values_list("user_id", "title", "link", "kind", "level", "read_at")
    assert list(rows) == [
        (alice.pk, "Le lot n° 12 attend votre approbation", "/paiements/lots/12/", "lot", Level.INFO, None),
        (bruno.pk, "Le lot n° 12 attend votre approbation", "/paiements/lots/12/", "lot", Level.INFO, None),
    ]


def test_notify_follows_the_in_app_preference_and_the_kind_default(kinds):
    keen, quiet, default = UserFactory(), UserFactory(), UserFactory()
    NotificationPreferenceFactory(user=quiet, kind="echeance", in_app=False)
    NotificationPreferenceFactory(user=keen, kind="echeance", in_app=True, by_email=False)
    notification_notify(users=[keen, quiet, default], title="3 dossiers arrivent à échéance", kind="echeance")
    assert set(Notification.objects.values_list("user_id", flat=True)) == {keen.pk, default.pk}


def test_notify_refuses_a_link_that_is_not_a_path_or_http():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="chemin du site"):
        notification_notify(users=[UserFactory()], title="Piège", link="javascript:alert(1)")
    assert Notification.objects.count() == 0


# --- Reading --------------------------------------------------------------------------------------------
def test_unread_for_lists_the_user_unread_notifications_newest_first():
    user, other = UserFactory(), UserFactory()
    older, newer = NotificationFactory(user=user), NotificationFactory(user=user)
    NotificationFactory(user=user, read=True)
    NotificationFactory(user=other)
    assert list(selectors.unread_for(user)) == [newer, older]
    assert selectors.unread_count(user) == 2
    assert list(selectors.unread_for(UserFactory(is_active=False))) == []


def test_mark_read_marks_the_given_ids_of_the_user_only_and_audits_it():
    user, other = UserFactory(), UserFactory()
    first, second, third = NotificationFactory.create_batch(3, user=user)
    foreign = NotificationFactory(user=other)

    assert notifications_mark_read(user=user, ids=[first.pk, second.pk, foreign.pk]) == 2

    read = dict(Notification.objects.values_list("pk", "read_at"))
    assert read[first.pk] and read[second.pk]
    assert read[third.pk] is None and read[foreign.pk] is None
    entry = history_of(user).get()
    assert (entry.actor, entry.action, entry.summary) == (user, "notifications_mark_read", "2 notifications marquées comme lues")
    # Already read: nothing changes, nothing is written.
    stamp = read[first.pk]
    assert notifications_mark_read(user=user, ids=[first.pk]) == 0
    assert Notification.objects.get(pk=first.pk).read_at == stamp
    assert history_of(user).count() == 1


def test_mark_all_read():
    user = UserFactory()
    NotificationFactory.create_batch(3, user=user)
    NotificationFactory(user=user, read=True)
    assert notifications_mark_read(user=user) == 3
    assert selectors.unread_count(user) == 0
    assert history_of(user).get().summary == "3 notifications marquées comme lues"


# --- Preferences -------------------------------------------------------------------------------------------
def test_preferences_list_the_registered_kinds_and_those_received_with_defaults(kinds):
    user = UserFactory()
    NotificationFactory(user=user, kind="divers")
    ReminderFactory(recipient=user, kind="relance_cfa")
    NotificationPreferenceFactory(user=user, kind="echeance", by_email=False, in_app=True)

    assert selectors.preferences_for(user) == [
        selectors.Preference("divers", "divers", True, True),
        selectors.Preference("echeance", "Dossiers dont l'échéance approche", False, True),
        selectors.Preference("lot_a_approuver", "Lots de paiement à approuver", False, True),
        selectors.Preference("relance_cfa", "relance_cfa", True, True),
    ]
    assert selectors.preference_for(user, "lot_a_approuver") == selectors.Preference(
        "lot_a_approuver", "Lots de paiement à approuver", False, True
    )
    assert kind_of("").label == "Notifications générales"


def test_setting_preferences_writes_the_changed_kinds_only_and_audits_the_change(kinds):
    user = UserFactory()
    assert (
        notification_preferences_set(
            user=user,
            choices={"echeance": (False, True), "lot_a_approuver": (False, True)},  # the second is its default
        )
        == 1
    )
    assert list(NotificationPreference.objects.values_list("kind", "by_email", "in_app")) == [("echeance", False, True)]
    entry = history_of(user).get()
    assert (entry.actor, entry.action) == (user, "notification_preferences_set")
    assert entry.changes == {"echeance.par_courriel": [True, False]}

    assert notification_preferences_set(user=user, choices={"echeance": (False, False)}) == 1
    assert NotificationPreference.objects.get().in_app is False
    assert history_of(user).first().changes == {"echeance.dans_l_application": [True, False]}
    assert notification_preferences_set(user=user, choices={"echeance": (False, False)}) == 0
    assert history_of(user).count() == 2


def test_a_preference_cannot_be_recorded_twice_for_a_kind():
    from django.db import IntegrityError, transaction

    preference = NotificationPreferenceFactory(kind="echeance")
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationPreference.objects.create(user=preference.user, kind="echeance")


# --- The panel ------------------------------------------------------------------------------------------------
def test_panel_items_say_counts_in_french():
    assert PanelItem(1, "un lot attend votre approbation", "{count} lots attendent votre approbation").text == (
        "un lot attend votre approbation"
    )
    assert PanelItem(3, "un dossier arrive à échéance", "{count} dossiers arrivent à échéance").text == (
        "3 dossiers arrivent à échéance"
    )


def test_the_panel_gathers_the_registered_sources_then_the_unread_notifications():
    user, advisor = UserFactory(kind="staff"), UserFactory(kind="advisor")
    NotificationFactory.create_batch(7, user=user)

    def deadlines(who):
        # A source scopes its own counts: staff only here.
        yield PanelItem(
            3 if who.kind == "staff" else 0, "un dossier arrive à échéance", "{count} dossiers arrivent à échéance", "/q/"
        )
        yield PanelItem(1, "un lot attend votre approbation", "{count} lots attendent votre approbation", level=Level.WARNING)

    register_panel_source(deadlines)
    try:
        panel = selectors.panel_for(user)
        other = selectors.panel_for(advisor)
    finally:
        unregister_panel_source(deadlines)

    assert [item.text for item in panel.items] == [
        "3 dossiers arrivent à échéance",
        "un lot attend votre approbation",
        "7 notifications non lues",
    ]
    assert panel.items[2].link == "/notifications/?non_lues=1"
    assert panel.unread == 7 and len(panel.latest) == 5
    assert [item.text for item in other.items] == ["un lot attend votre approbation"]
    assert selectors.panel_for(None).items == []


def test_the_panel_include_renders_for_the_user_of_the_request():
    user = UserFactory()
    NotificationFactory(user=user, title="Le lot n° 12 attend votre approbation", link="/paiements/lots/12/")
    request = RequestFactory().get("/")
    request.user = user

    html = Template('{% include "notifications/_panel.html" %}').render(Context({"request": request}))

    assert "une notification non lue" in html
    assert '<a href="/paiements/lots/12/">Le lot n° 12 attend votre approbation</a>' in html
    assert 'href="/notifications/"' in html
    count = Template("{% load notifications %}{% unread_notifications_count as n %}[{{ n }}]").render(
        Context({"request": request})
    )
    assert count == "[1]"


def test_the_panel_of_a_user_with_nothing_waiting():
    request = RequestFactory().get("/")
    request.user = UserFactory()
    html = Template('{% include "notifications/_panel.html" %}').render(Context({"request": request}))
    assert "Rien ne vous attend pour l'instant." in html
