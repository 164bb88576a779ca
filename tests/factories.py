import factory
from django.contrib.auth.models import Group

from accounts.models import User
from referentials.models import Company
from referentials.validators import is_valid_siret


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@opco.test")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    kind = "staff"
    password = factory.PostGenerationMethodCall("set_password", "Mot-de-passe-solide-42")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or ():
            self.groups.add(Group.objects.get_or_create(name=name)[0])
        if create:
            self.save()


def valid_siret(n: int) -> str:
    """The n-th synthetic SIRET that passes both Luhn checks."""
    from stdnum import luhn

    siren_body = f"{n:08d}"
    siren = siren_body + luhn.calc_check_digit(siren_body)
    siret_body = siren + "0001"
    siret = siret_body + luhn.calc_check_digit(siret_body)
    assert is_valid_siret(siret)
    return siret


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    siret = factory.Sequence(lambda n: valid_siret(10_000 + n))
    siren = factory.LazyAttribute(lambda o: o.siret[:9])
    name = factory.Faker("company", locale="fr_FR")
    headcount = 12
    city = "Lyon"
    postal_code = "69003"
