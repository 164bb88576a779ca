"""Proximity-service rows for the tests: portfolios, needs in each state, questionnaires."""

from datetime import date

from django.conf import settings

from referentials.models import Idcc
from sme_services.enums import DiagnosticKind
from sme_services.models import PortfolioCompany
from sme_services.services import diagnostics, needs
from tests.referentials.factories import CompanyFactory, IdccFactory, valid_siret


def our_idcc(code: str = "1486") -> Idcc:
    idcc = IdccFactory(code=code)
    Idcc.objects.filter(pk=idcc.pk).update(opco_name=settings.OPCO_NAME)
    idcc.refresh_from_db()
    return idcc


def portfolio_company(advisor, **fields):
    company = CompanyFactory(**fields)
    PortfolioCompany.objects.create(advisor=advisor, company=company)
    return company


def need_input(siret: str, **fields) -> needs.NeedInput:
    values = {
        "siret": siret,
        "subject": "plan",
        "description": "Former nos deux vendeurs à la relation client.",
        "contact_name": "Claire Martin",
        "contact_email": "claire@example.fr",
        "company_name": "Boulangerie Martin",
    }
    values.update(fields)
    return needs.NeedInput(**values)


def received_need(company, *, on: date, actor=None, **fields):
    return needs.need_receive(actor=actor, data=need_input(company.siret, **fields), channel="saisie", today=on)


def questionnaire(kind=DiagnosticKind.PRE, actor=None):
    return diagnostics.questionnaire_publish(
        actor=actor, kind=kind, questions=[{"code": "effectifs", "label": "Qui forme-t-on ?", "type": "text"}]
    )


__all__ = ["valid_siret"]
