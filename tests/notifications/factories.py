"""Factories of notifications, with traits for the usual states (ReminderFactory(sent=True) …)."""

import factory
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from notifications.enums import Level, ReminderStatus
from notifications.models import Notification, NotificationPreference, Reminder
from tests.accounts.factories import UserFactory


class ReminderFactory(factory.django.DjangoModelFactory):
    """A planned reminder due today about a user account (any saved object will do as a target)."""

    class Meta:
        model = Reminder
        exclude = ["target"]

    target = factory.SubFactory(UserFactory)
    target_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.target))
    target_id = factory.LazyAttribute(lambda o: str(o.target.pk))
    kind = "echeance"
    due_on = factory.LazyFunction(timezone.localdate)
    recipient = factory.SubFactory(UserFactory)
    email = ""
    template = "reminder"
    subject = factory.Sequence(lambda n: f"Dossier n° {n} : décision à prendre")
    context = factory.Dict({})
    status = ReminderStatus.PLANNED

    class Params:
        to_address = factory.Trait(recipient=None, email=factory.Sequence(lambda n: f"employeur{n}@example.org"))
        sent = factory.Trait(status=ReminderStatus.SENT, sent_at=factory.LazyFunction(timezone.now), channels="email", attempts=1)
        cancelled = factory.Trait(status=ReminderStatus.CANCELLED, cancelled_at=factory.LazyFunction(timezone.now))
        failed = factory.Trait(status=ReminderStatus.FAILED, attempts=5, last_error="SMTPRecipientsRefused : adresse refusée")


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    kind = ""
    title = factory.Sequence(lambda n: f"Le lot n° {n} attend votre approbation")
    link = ""
    level = Level.INFO

    class Params:
        read = factory.Trait(read_at=factory.LazyFunction(timezone.now))


class NotificationPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationPreference

    user = factory.SubFactory(UserFactory)
    kind = "echeance"
    by_email = True
    in_app = True
