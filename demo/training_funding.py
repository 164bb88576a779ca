"""Demo of the training funding of companies under 50 (sme_services.funding), through the real
services: the example rule sets (the interprofessional default and the bakery branch's, IDCC 0843),
requests in every state, and the bakery branch's envelope for the quarter nearly used up with a
waiting list. Idempotent: nothing is added when demo requests exist."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

RULES = Path(__file__).resolve().parents[1] / "sme_services" / "funding" / "data" / "rule-sets"


def _data(company, *, start, title, theme="bureautique", cost="560.00", trainees=2, hours="14", **extra) -> dict:
    data = {
        "company": {
            "siret": company.siret,
            "idcc": company.idcc.code if company.idcc_id else "9999",
            "headcount": company.headcount,
        },
        "dispositif": "plan50",
        "training": {
            "title": title,
            "theme": theme,
            "modality": "presentiel",
            "start": start.isoformat(),
            "end": (start + timedelta(days=1)).isoformat(),
            "hours_per_trainee": hours,
            "trainees": trainees,
            "pedagogical_cost": cost,
        },
    }
    data.update(extra)
    return data


def _afest_and_plan_links(*, actor, start, today) -> None:
    """The demo AFEST project (the proximity service's, seeded before) gets its funded AFEST request
    (D6313-3-2; its four elements are the service-fait evidence), and the company's action plan its
    links: the « financement » item to a plan request, the « alternance » item to one of its contracts
    (through referentials.linked_files, as on screen). On the next quarter's envelope, which has room."""
    from contracts.models import ApprenticeshipContract
    from sme_services.enums import PlanItemKind
    from sme_services.funding.services import training_request_decide, training_request_file
    from sme_services.models import ActionPlanItem, AfestProject
    from sme_services.services.diagnostics import plan_item_link

    project = AfestProject.objects.filter(company__siret__startswith="999").select_related("company__idcc").order_by("id").first()
    if project is None:
        return
    company = project.company
    theme = "boulangerie" if company.idcc_id and company.idcc.code == "0843" else "bureautique"
    data = _data(
        company, start=start, title=f"AFEST : {project.title}", theme=theme, cost="1500.00", trainees=project.learners, hours="35"
    )
    data["training"]["modality"] = "afest"
    data["afest_project"] = project.pk
    training_request_decide(actor=actor, pk=training_request_file(actor=actor, data=data, received_on=today).pk)
    sale = training_request_file(
        actor=actor,
        data=_data(company, start=start, title="Vente et relation client", theme=theme, cost="400.00", hours="8", trainees=2),
        received_on=today,
    )
    sale = training_request_decide(actor=actor, pk=sale.pk)
    items = ActionPlanItem.objects.filter(diagnostic__company=company).order_by("id")
    funding_item = items.filter(kind=PlanItemKind.FUNDING, funding_request__isnull=True).first()
    if funding_item is not None:
        plan_item_link(actor=actor, item_id=funding_item.pk, reference=sale.file_number)
    contract = ApprenticeshipContract.objects.filter(employer=company).order_by("id").first()
    contract_item = items.filter(kind=PlanItemKind.ALTERNANCE, request_reference="").first()
    if contract is not None and contract_item is not None:
        plan_item_link(actor=actor, item_id=contract_item.pk, reference=contract.file_number)


def demo_training_funding_seed(*, actor, manager) -> str:
    from branches.models import Branch
    from payments.budgets import branch_envelope_set, quarter_of
    from referentials.models import Company
    from sme_services.funding.enums import EvidenceKind
    from sme_services.funding.models import FundingRuleSet, TrainingRequest
    from sme_services.funding.rulesets import read_json, rule_set_import
    from sme_services.funding.services import (
        evidence_record,
        training_request_complete,
        training_request_decide,
        training_request_file,
        training_request_incomplete,
        training_request_instruct,
        training_request_refuse,
        training_request_service_fait,
        training_request_withdraw,
    )

    for name in ("plan50-interpro-2026.json", "plan50-boulangerie-0843-2026.json", "ssct-interpro-2026.json"):
        data = read_json((RULES / name).read_bytes())
        if not FundingRuleSet.objects.filter(reference=data["reference"]).exists():
            rule_set_import(actor=actor, data=data, file_name=name)
    if TrainingRequest.objects.filter(company__siret__startswith="999").exists():
        return ""
    today = timezone.localdate()
    start = today + timedelta(days=45)
    companies = list(Company.objects.filter(siret__startswith="999", headcount__lt=50).select_related("idcc").order_by("siret"))
    bakeries = [c for c in companies if c.idcc_id and c.idcc.code == "0843"]
    others = [c for c in companies if c not in bakeries]
    if not bakeries or len(others) < 5:
        return ""
    for company in companies:
        if not company.iban:  # a synthetic account, so that service fait can be paid
            Company.objects.filter(pk=company.pk).update(
                iban="FR7630006000011234567890189", bic="AGRIFRPP", address="1 place du Marché"
            )
    counts: dict[str, int] = {}

    def filed(company, **kw):
        return training_request_file(actor=actor, data=_data(company, start=start, **kw), received_on=today)

    # The bakery branch's quarter: 1 300 € for the quarter, three requests of 400 € accepted (1 200 €),
    # two more waiting in filing order (« enveloppe presque épuisée »).
    branch = Branch.objects.filter(idccs=bakeries[0].idcc_id).first()
    if branch is not None:
        branch_envelope_set(actor=manager, branch=branch, year=start.year, quarter=quarter_of(start), amount=Decimal("1300.00"))
        following = start + timedelta(days=92)
        branch_envelope_set(
            actor=manager, branch=branch, year=following.year, quarter=quarter_of(following), amount=Decimal("2500.00")
        )
    titles = ["Viennoiserie feuilletée", "Pains de tradition", "Hygiène HACCP", "Pâtisserie de boutique", "Gestion des invendus"]
    for n, title in enumerate(titles):
        bakery = bakeries[n % len(bakeries)]
        request = filed(bakery, title=title, theme="boulangerie", cost="400.00", hours="8", trainees=2)
        training_request_decide(actor=actor, pk=request.pk)
    # Other states, on the interprofessional default rules.
    received = filed(others[0], title="Tableur : fonctions avancées")
    instruction = training_request_instruct(actor=actor, pk=filed(others[1], title="Accueil client").pk)
    incomplete = training_request_incomplete(
        actor=actor, pk=filed(others[2], title="Anglais commercial").pk, message="Programme et devis de l'organisme"
    )
    refused_rules = training_request_decide(
        actor=actor, pk=filed(others[3], title="Confiance en soi", theme="developpement_personnel").pk
    )
    refused = training_request_refuse(
        actor=actor, pk=filed(others[0], title="Formation déjà réalisée").pk, reason="Action terminée avant la demande"
    )
    accepted = training_request_decide(
        actor=actor, pk=filed(others[1], title="Bilan carbone simplifié", theme="transition_ecologique").pk
    )
    withdrawn = training_request_decide(actor=actor, pk=filed(others[2], title="Comptabilité de base").pk)
    training_request_withdraw(actor=actor, pk=withdrawn.pk, reason="Désistement de l'entreprise")
    # A training already done (filed two months ago, held last month): its service fait, payable today.
    past = today - timedelta(days=30)
    done = training_request_file(
        actor=actor, data=_data(others[3], start=past, title="Management de proximité"), received_on=today - timedelta(days=60)
    )
    done = training_request_decide(actor=actor, pk=done.pk, today=today - timedelta(days=55))
    evidence_record(actor=actor, pk=done.pk, kind=EvidenceKind.INVOICE, received_on=today, amount=Decimal("560.00"))
    evidence_record(
        actor=actor,
        pk=done.pk,
        kind=EvidenceKind.CERTIFICAT,
        received_on=today,
        hours_attended=Decimal("14"),
        trainees_attended=2,
    )
    training_request_service_fait(actor=actor, pk=done.pk, today=today)
    ssct = _data(others[4], start=start, title="Formation SSCT des membres du CSE", theme="ssct", cost="2000.00", trainees=1)
    ssct["dispositif"] = "ssct"
    ssct["training"].pop("hours_per_trainee")
    ssct["training"].update(mandate="first", days=5, end=(start + timedelta(days=6)).isoformat())
    ssct.update(trainee_name="Élu CSE (démonstration)", provider_approved=True)
    training_request_decide(actor=actor, pk=training_request_file(actor=actor, data=ssct, received_on=today).pk)
    # Completing the incomplete one is left to the demo user; one complete-again for the history.
    other_incomplete = training_request_incomplete(
        actor=actor, pk=filed(others[0], title="Soudure").pk, message="Attestation d'effectif"
    )
    training_request_complete(actor=actor, pk=other_incomplete.pk, today=today)
    _afest_and_plan_links(actor=actor, start=start + timedelta(days=92), today=today)
    del received, instruction, incomplete, refused_rules, refused, accepted
    for status, label in TrainingRequest._meta.get_field("status").choices:
        counts[label] = TrainingRequest.objects.filter(status=status, company__siret__startswith="999").count()
    return "Demandes de formation (< 50) : " + ", ".join(f"{n} {label.lower()}" for label, n in counts.items() if n)
