"""Referential rows for the tests: valid SIRETs, companies, conventions collectives (IDCC) and training
providers (CFA)."""

import factory

from referentials.models import Company, Idcc, TrainingProvider
from referentials.validators import is_valid_siret


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


class IdccFactory(factory.django.DjangoModelFactory):
    """A convention collective; `IdccFactory(code="1486")` reuses the row if the code exists."""

    class Meta:
        model = Idcc
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{9000 + n % 1000:04d}")
    title = factory.LazyAttribute(lambda o: f"Convention {o.code}")


class TrainingProviderFactory(factory.django.DjangoModelFactory):
    """A training provider (CFA); the `with_bank_account` trait gives it an IBAN and a BIC, so that it
    can be paid."""

    class Meta:
        model = TrainingProvider

    class Params:
        with_bank_account = factory.Trait(iban="FR7610107001011234567890129", bic="BREDFRPP")

    siret = factory.Sequence(lambda n: valid_siret(20_000 + n))
    name = factory.Sequence(lambda n: f"Organisme de formation n° {n}")
