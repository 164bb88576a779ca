"""Writes on referentials (HackSoft style: services write, selectors read)."""

from django.db import transaction
from django.utils import timezone

from opco import audit
from opco.models import AuditEntry
from referentials.enums import LoadStatus
from referentials.loaders import LOADERS, LoadReport, referentials_load
from referentials.models import Company, Idcc, Naf, ReferentialLoad, TrainingProvider
from referentials.validators import is_valid_siret


def referential_load_request(*, actor, kinds: list[str]) -> ReferentialLoad:
    """Record a load job and hand it to Celery once the row is committed."""
    from referentials.tasks import run_referential_load

    kinds = [kind for kind in LOADERS if kind in kinds] or list(LOADERS)
    with transaction.atomic():
        job = ReferentialLoad(kinds=kinds, requested_by=actor, steps_total=len(kinds))
        job.full_clean()
        job.save()
        audit.record(
            actor=actor, action="referential_load_requested", target=job, summary=f"Chargement demandé : {', '.join(kinds)}"
        )
        transaction.on_commit(lambda: run_referential_load.delay(job.pk))
    return job


def referential_load_run(*, job_id: int) -> ReferentialLoad:
    """Run a queued load. Claimed with a compare-and-swap so that a redelivered message (acks_late)
    never runs the same job twice; a job left running by a killed worker can be requested again."""
    claimed = ReferentialLoad.objects.filter(pk=job_id, status=LoadStatus.QUEUED).update(
        status=LoadStatus.RUNNING, started_at=timezone.now()
    )
    job = ReferentialLoad.objects.get(pk=job_id)
    if not claimed:
        return job

    def progress(done: int, total: int, report: LoadReport) -> None:
        job.steps_done = done
        job.report = [*job.report, report.as_dict()]
        job.save(update_fields=["steps_done", "report"])

    try:
        referentials_load(kinds=job.kinds, actor=job.requested_by, source=AuditEntry.Source.TASK, on_progress=progress)
    except Exception as exc:
        job.status, job.error, job.finished_at = LoadStatus.FAILED, str(exc)[:2000], timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        raise
    job.status, job.finished_at = LoadStatus.DONE, timezone.now()
    job.save(update_fields=["status", "finished_at"])
    return job


def company_for_siret(
    *,
    siret: str,
    name: str,
    idcc: Idcc | None = None,
    naf: Naf | None = None,
    headcount: int | None = None,
    address: str = "",
    postal_code: str = "",
    city: str = "",
) -> Company | None:
    """The company of a valid SIRET, created from what a file declares the first time it is seen (a
    company missing from the referential is created, never overwritten); None for an invalid SIRET.
    Every mission's files hang off it, and the scoping reads its IDCC (opco.scoping)."""
    if not is_valid_siret(siret):
        return None
    company = Company.objects.filter(siret=siret).first()
    if company is not None:
        return company
    company = Company(
        siret=siret,
        siren=siret[:9],
        name=(name or siret)[:255],
        naf=naf,
        idcc=idcc,
        headcount=headcount,
        address=address[:255],
        postal_code=postal_code[:5],
        city=city[:128],
    )
    company.full_clean()
    company.save()
    return company


def provider_email_set(*, actor, provider_id: int, email: str) -> TrainingProvider:
    """A training provider's e-mail (where its payment advices go when the contract names none), set
    by staff, audited before/after; an invalid address is refused and nothing changes."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    address = (email or "").strip().lower()
    if address:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError({"email": f"« {email.strip()} » n'est pas une adresse e-mail valide."}) from None
    with transaction.atomic():
        provider = TrainingProvider.objects.select_for_update().get(pk=provider_id)
        if provider.email == address:
            return provider
        before = provider.email
        provider.email = address
        provider.save(update_fields=["email"])
        audit.record(
            actor=actor,
            action="provider_email_set",
            target=provider,
            changes={"email": [before, address]},
            summary=f"E-mail de l'organisme {provider.siret} : {before or '—'} → {address or '—'}",
        )
    return provider
