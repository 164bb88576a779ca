"""Writes on the company page: creation from a SIRET, contacts, headcount, CSE."""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction

from opco import audit
from opco.calendar import add_months
from referentials.models import Company, Idcc
from referentials.services import company_for_siret
from sme_services.models import CompanyContact, CseMandate, CseMember, HeadcountRecord
from sme_services.services.portfolio import portfolio_route

# L2315-17: the SSCT training is renewed once the mandate was held four years, consecutive or not.
TRAINING_RENEWAL_MONTHS = 48


def company_create_from_siret(
    *, actor, siret: str, name: str, idcc_code: str = "", headcount: int | None = None, postal_code: str = "", city: str = ""
) -> Company:
    """A company missing from the referential, created from a valid SIRET (referentials.services)."""
    siret = "".join((siret or "").split())
    idcc = Idcc.objects.filter(code=idcc_code.zfill(4)).first() if idcc_code else None
    if idcc_code and idcc is None:
        raise ValidationError({"idcc_code": f"L'IDCC « {idcc_code} » est inconnu du référentiel."})
    with transaction.atomic():
        existed = Company.objects.filter(siret=siret).exists()
        company = company_for_siret(siret=siret, name=name, idcc=idcc, headcount=headcount, postal_code=postal_code, city=city)
        if company is None:
            raise ValidationError({"siret": "Ce SIRET n'est pas valide (14 chiffres, clé de Luhn)."})
        if not existed:
            audit.record(
                actor=actor, action="company_create", target=company, summary=f"Entreprise créée depuis son SIRET {siret}"
            )
            if headcount is not None:
                HeadcountRecord.objects.create(
                    company=company, as_of=date.today(), headcount=headcount, source="création", recorded_by=actor
                )
            portfolio_route(company=company, actor=actor)
    return company


def company_headcount_record(*, actor, company: Company, headcount: int, as_of: date, source: str = "") -> HeadcountRecord:
    """A headcount known at `as_of`; the latest known is the company's (the size band, the routing)."""
    if headcount < 0:
        raise ValidationError({"headcount": "Un effectif est positif."})
    with transaction.atomic():
        record = HeadcountRecord(company=company, as_of=as_of, headcount=headcount, source=source[:128], recorded_by=actor)
        record.full_clean()
        record.save()
        latest = company.headcount_history.order_by("-as_of", "-id").first()
        if latest.pk == record.pk and company.headcount != headcount:
            before = company.headcount
            Company.objects.filter(pk=company.pk).update(headcount=headcount)
            company.headcount = headcount
            audit.record(
                actor=actor,
                action="company_headcount",
                target=company,
                changes={"headcount": [before, headcount]},
                summary=f"Effectif au {as_of:%d/%m/%Y} : {headcount}",
            )
            portfolio_route(company=company, actor=actor)
    return record


def company_idcc_change(*, actor, company: Company, idcc: Idcc | None) -> Company:
    """The company's convention collective changed (so may its branch and its advisor by rule)."""
    with transaction.atomic():
        before = company.idcc_id
        Company.objects.filter(pk=company.pk).update(idcc=idcc)
        company.idcc = idcc
        audit.record(
            actor=actor,
            action="company_idcc",
            target=company,
            changes={"idcc": [before, idcc.pk if idcc else None]},
            summary=f"Convention collective : {idcc or 'aucune'}",
        )
        portfolio_route(company=Company.objects.select_related("idcc__branch_link").get(pk=company.pk), actor=actor)
    return company


def contact_save(*, actor, contact: CompanyContact) -> CompanyContact:
    creating = contact.pk is None
    contact.full_clean()
    with transaction.atomic():
        if contact.primary:
            CompanyContact.objects.filter(company=contact.company, primary=True).exclude(pk=contact.pk).update(primary=False)
        contact.save()
        audit.record(
            actor=actor,
            action="contact_create" if creating else "contact_update",
            target=contact.company,
            summary=f"Contact : {contact}",
        )
    return contact


def cse_member_add(
    *, actor, company: Company, full_name: str, role: str, mandate_start: date, last_training_on: date | None = None
) -> CseMember:
    with transaction.atomic():
        member = CseMember(company=company, full_name=full_name, role=role, last_training_on=last_training_on)
        member.full_clean()
        member.save()
        CseMandate.objects.create(member=member, started_on=mandate_start)
        audit.record(actor=actor, action="cse_member_add", target=company, summary=f"Membre du CSE : {full_name}")
    return member


def training_renewal_due_on(mandates: list[tuple[date, date | None]], last_training_on: date | None = None) -> date | None:
    """When the member's SSCT training must be renewed (L2315-17): once they have held their mandate
    four years, consecutive or not, counted from their last training. `mandates`: (start, end or None).
    One continuous mandate from S gives S + 4 years (48 months, clipped at the month's end); the days
    held in earlier mandates bring the date forward. None while no mandate runs or the four years are
    not reached by the end of a closed one."""
    # Held time as calendar years/months/days (relativedelta), so two years held then two more make
    # exactly four, whatever the leap days between.
    served = relativedelta()
    for start, end in sorted(mandates):
        if last_training_on and (end is not None and end <= last_training_on):
            continue
        if last_training_on and start < last_training_on:
            start = last_training_on
        due = add_months(start, TRAINING_RENEWAL_MONTHS) - served
        if end is None or due <= end:
            return due
        served += relativedelta(end, start)
    return None
