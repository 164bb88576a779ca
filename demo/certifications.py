"""Demo certification projects of the demo branch, through the real services (issue 17): a CQP being
written, one filed and waiting for France compétences, one registered with sessions and holders (and
published on the public page), one registered under the simplified procedure and due for renewal."""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from stdnum import luhn

from branches.certifications import services
from branches.certifications.criteria import criteria_for
from branches.certifications.enums import CandidateResult, CpneRole, CriterionState
from branches.certifications.models import CertificationProject

OPPORTUNITY = {
    "need": "Les entreprises de la branche peinent à recruter des ouvriers de production qualifiés.",
    "evidence": "Étude prospective de l'observatoire de la branche (2025) : 1 200 postes non pourvus.",
    "rome_codes": "D1102, D1104",
    "cpne_decision": "La CPNE décide à l'unanimité de créer le certificat.",
}
FRAMEWORKS = {
    "activities_framework": "Préparer les pâtes, façonner, cuire, contrôler la qualité.",
    "skills_framework": "Organiser sa production, appliquer les règles d'hygiène, réduire le gaspillage.",
    "assessment_framework": "Mise en situation professionnelle devant un jury paritaire et entretien.",
    "rights_holder": "Association paritaire de la branche",
    "rights_holder_siren": "",
}
BLOCS = [("BC01", "Produire les pâtes et les façonner"), ("BC02", "Cuire et contrôler la qualité des produits")]


def _nir(index: int) -> str:
    """A NIR that passes its key (demo only): born 1990, département 99 (abroad), a fixed country code."""
    body = f"{1 + index % 2}9001991{index:03d}{index:03d}"[:13]
    return body + f"{97 - int(body) % 97:02d}"


def _siret(index: int) -> str:
    siren_body = f"998{index:05d}"
    siren = siren_body + luhn.calc_check_digit(siren_body)
    return siren + "0001" + luhn.calc_check_digit(siren + "0001")


def _written(actor, branch, title: str, today: date, *, repertoire="rncp", simplified=False):
    project = services.project_create(
        actor=actor, branch=branch, title=title, repertoire=repertoire, simplified=simplified, level=3, today=today
    )
    services.project_update(actor=actor, project=project, cpne_decision_on=today - relativedelta(months=4), **OPPORTUNITY)
    services.project_transition(actor=actor, project=project, code="decide_opportunity")
    services.project_update(actor=actor, project=project, **FRAMEWORKS)
    for code, label in BLOCS:
        services.bloc_add(actor=actor, project=project, code=code, title=label, level=3)
    return project


def _filed(actor, branch, title: str, today: date, **kwargs):
    project = _written(actor, branch, title, today, **kwargs)
    services.project_transition(actor=actor, project=project, code="create_cqp")
    services.project_update(actor=actor, project=project, cohorts=2, honour_check_on=today - relativedelta(days=20))
    for criterion in criteria_for(project.repertoire, simplified=project.simplified, filed_on=today):
        services.criterion_answer(
            actor=actor,
            project=project,
            code=criterion.code,
            state=CriterionState.MET,
            evidence=f"Pièce jointe au dossier de dépôt ({criterion.article})",
        )
    return services.project_transition(actor=actor, project=project, code="file")


def demo_certifications_seed(*, actor, representative, branch, today: date | None = None) -> str:
    """Idempotent: nothing is added once the branch has certification projects."""
    today = today or timezone.localdate()
    if CertificationProject.objects.filter(branch=branch).exists():
        return "Certifications de démonstration : déjà présentes."
    services.seat_set(actor=actor, branch=branch, user=representative, role=CpneRole.PRESIDENT, college="employer")

    writing = _written(actor, branch, "CQP Ouvrier de production en boulangerie", today)
    services.criterion_answer(actor=actor, project=writing, code="vae", state=CriterionState.MET, evidence="Parcours VAE prévu")
    services.review_request(
        actor=actor,
        project=writing,
        reviewer=representative,
        question="Les deux blocs couvrent-ils le métier ?",
        due_on=today + relativedelta(days=10),
    )

    _filed(actor, branch, "CQP Vendeur-conseil en boulangerie-pâtisserie", today)

    registered = _filed(actor, branch, "CQP Tourier", today)
    start = today - relativedelta(years=1)
    registered = services.project_register(
        actor=actor,
        project=registered,
        rncp_code="RNCP99001",
        decided_on=start,
        registered_from=start,
        registration_ends_on=start + relativedelta(years=5),
        publication_reference=f"JO du {start:%d/%m/%Y}, décision du directeur général",
    )
    body = services.habilitation_add(
        actor=actor,
        project=registered,
        siret=_siret(1),
        name="CFA des métiers du pain (démo)",
        scope="both",
        starts_on=start,
        ends_on=start + relativedelta(years=3),
    )
    blocs = list(registered.blocs.all())
    for number, (label, jury) in enumerate(
        (("Session printemps", start + relativedelta(months=3)), ("Session automne", start + relativedelta(months=9)))
    ):
        session = services.session_add(actor=actor, project=registered, label=label, jury_on=jury, habilitation=body)
        for index, (last, first, sex) in enumerate((("Moreau", "Inès", "F"), ("Garnier", "Yanis", "M"), ("Roux", "Chloé", "F"))):
            candidate = services.candidate_add(
                actor=actor,
                session=session,
                last_name=last,
                first_name=first,
                birth_date=date(2000 + index, 3 + number, 10),
                sex=sex,
                nir=_nir(number * 10 + index + 1),
            )
            result = CandidateResult.PARTIAL if index == 2 else CandidateResult.CERTIFIED
            services.candidate_result(actor=actor, candidate=candidate, result=result, blocs=blocs[:1])
    services.project_publish(actor=actor, project=registered, published=True)

    renewal_due = _filed(actor, branch, "CQP Responsable de fournil", today, simplified=True)
    start = today - relativedelta(months=27)
    services.project_register(
        actor=actor,
        project=renewal_due,
        rncp_code="RNCP99002",
        decided_on=start,
        registered_from=start,
        registration_ends_on=start + relativedelta(years=3),
        publication_reference=f"JO du {start:%d/%m/%Y}",
    )
    return (
        "Certifications de démonstration : 1 CQP en rédaction, 1 déposé à France compétences, 1 enregistré (RNCP99001, "
        "2 sessions, 6 titulaires, publié), 1 à renouveler (RNCP99002, échéance dans 9 mois)."
    )
