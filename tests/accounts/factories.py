"""Users of the back-office, one trait per role of accounts.roles:
`UserFactory(gestionnaire=True)`, `UserFactory(finance=True)`, `UserFactory(advisor=True)`…"""

import factory
from django.contrib.auth.models import Group

from accounts.enums import StaffGroup, UserKind
from accounts.models import User

PASSWORD = "Mot-de-passe-solide-42"


def _staff_in(group: StaffGroup) -> factory.Trait:
    return factory.Trait(kind=UserKind.STAFF, groups__names=(group.value,))


class UserFactory(factory.django.DjangoModelFactory):
    """A staff user without group unless a trait or `groups=[…]` (Django group names) says otherwise;
    every user's password is PASSWORD. `UserFactory.build(finance=True)` holds its roles unsaved."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        gestionnaire = _staff_in(StaffGroup.GESTIONNAIRE)
        finance = _staff_in(StaffGroup.FINANCE)
        responsable = _staff_in(StaffGroup.RESPONSABLE)
        administrateur = _staff_in(StaffGroup.ADMINISTRATEUR)
        advisor = factory.Trait(kind=UserKind.ADVISOR)
        branch_rep = factory.Trait(kind=UserKind.BRANCH_REP)
        inactive = factory.Trait(is_active=False)

    email = factory.Sequence(lambda n: f"user{n}@opco.test")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    kind = UserKind.STAFF
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, names=(), **kwargs):
        if not create:
            # A built user (UserFactory.build) answers the role checks without the database.
            self.__dict__["group_names"] = frozenset(extracted or names)
            return
        for name in extracted or names:
            self.groups.add(Group.objects.get_or_create(name=name)[0])
        self.save()


# A CSRF secret the tests send both as the cookie and as the X-CSRFToken header (Django compares the
# unmasked secrets), so that unsafe API requests reach their view as a browser's would.
CSRF_SECRET = "a" * 32


def session_cookies(user) -> dict[str, str]:
    """The cookies of a browser logged in as `user` (session after login with MFA) with a CSRF token."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {
        settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
        settings.CSRF_COOKIE_NAME: CSRF_SECRET,
    }
