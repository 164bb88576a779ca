"""Demo data of the proximity service, through the real services: the demo advisor's portfolio (the
demo companies), needs in every state (some overdue), exchanges, diagnostics with action plans, an
AFEST project and a FOAD action, a campaign and survey answers. Idempotent (one campaign marks it)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from referentials.models import Company
from sme_services.enums import DiagnosticKind, ProjectStatus
from sme_services.models import AdvisorTeam, AfestProject, AssignmentRule, Campaign, CompanyContact, FoadAction, Interaction
from sme_services.services import afest, company, diagnostics, interactions, needs, portfolio

CAMPAIGN = "Webinaire « Former en situation de travail » (démonstration)"
QUESTIONS = {
    DiagnosticKind.PRE: [
        ("activite", "Activité et organisation de l'entreprise", "text"),
        ("projets", "Projets à 12 mois", "text"),
        ("formation", "Formations suivies l'an dernier ?", "yes_no"),
    ],
    DiagnosticKind.SKILLS_HR: [
        ("metiers", "Métiers en tension", "text"),
        ("competences", "Compétences à développer", "text"),
        ("entretiens", "Entretiens professionnels à jour ?", "yes_no"),
    ],
    DiagnosticKind.ECOLOGY: [
        ("impacts", "Activités les plus concernées par la transition écologique", "text"),
        ("metiers", "Métiers ROME de l'entreprise", "rome"),
        ("maturite", "Maturité de la démarche (1 à 5)", "scale"),
    ],
    DiagnosticKind.AFEST: [
        ("situation", "Situations de travail formatrices repérées", "text"),
        ("formateur", "Salarié pouvant être formateur ou tuteur", "text"),
    ],
}


def demo_sme_seed(*, companies: list[Company]) -> str:
    if Campaign.objects.filter(name=CAMPAIGN).exists() or not companies:
        return ""
    today = timezone.localdate()
    advisor = User.objects.get(email="conseiller@demo.local")
    manager = User.objects.get(email="responsable@demo.local")
    team, _ = AdvisorTeam.objects.get_or_create(name="Équipe Auvergne-Rhône-Alpes (démo)", defaults={"manager": manager})
    team.members.add(advisor)
    for kind, questions in QUESTIONS.items():
        if diagnostics.current_questionnaire(kind) is None:
            diagnostics.questionnaire_publish(
                actor=manager, kind=kind, questions=[{"code": c, "label": label, "type": t} for c, label, t in questions]
            )
    portfolio.assignment_rule_save(actor=manager, rule=AssignmentRule(advisor=advisor, departement="69", priority=10))
    portfolio.portfolio_reassign(
        actor=manager, company_ids=[c.pk for c in companies], advisor=advisor, reason="portefeuille de démonstration"
    )
    campaign = Campaign.objects.create(
        name=CAMPAIGN, kind="webinaire", held_on=today - timedelta(days=40), subject="afest", audience=120, created_by=manager
    )

    first = companies[0]
    company.contact_save(
        actor=advisor,
        contact=CompanyContact(
            company=first, full_name="Nadia Roux", role="Gérante", email="nadia.roux@example.fr", phone="0478000000", primary=True
        ),
    )
    company.cse_member_add(
        actor=advisor,
        company=first,
        full_name="Hugo Petit",
        role="titulaire",
        mandate_start=today - timedelta(days=4 * 365 + 20),
        last_training_on=None,
    )
    company.company_headcount_record(
        actor=advisor, company=first, headcount=first.headcount or 8, as_of=today - timedelta(days=30), source="DSN"
    )

    def need(c, days_ago, subject="plan", **extra):
        return needs.need_receive(
            actor=advisor,
            channel="saisie",
            today=today - timedelta(days=days_ago),
            data=needs.NeedInput(
                siret=c.siret,
                subject=subject,
                description=f"Besoin de démonstration : {subject}.",
                contact_name="Contact démo",
                contact_email=f"contact-{c.siret}@example.fr",
                **extra,
            ),
        )

    c = companies
    need(c[1 % len(c)], 2, "alternance")  # en attente, récent
    need(c[2 % len(c)], 12, "afest", campaign_id=campaign.pk)  # en attente depuis plus de 9 jours
    need(c[3 % len(c)], 25, "ecologie")  # en attente depuis plus de 21 jours
    need(c[4 % len(c)], 50, "recrutement")  # abandonné par la tournée quotidienne
    taken = need(c[5 % len(c)], 8, "foad", campaign_id=campaign.pk)
    needs.need_take(actor=advisor, need_id=taken.pk, today=today - timedelta(days=6))
    refused = need(c[6 % len(c)], 20, "autre")
    needs.need_refuse(actor=advisor, need_id=refused.pk, reason="sans_objet", today=today - timedelta(days=18))
    closed = []
    for index, outcome in enumerate(("aide_proposee", "aide_proposee", "pas_d_aide", "injoignable")):
        n = need(c[(7 + index) % len(c)], 60 - index, "sante_cse" if index == 2 else "plan")
        needs.need_take(actor=advisor, need_id=n.pk, today=today - timedelta(days=57 - index))
        closed.append(needs.need_close(actor=advisor, need_id=n.pk, outcome=outcome, today=today - timedelta(days=30 - index)))
    needs.need_reminders_schedule(today=today)
    needs.survey_answer(need=closed[0], recontacted=True, useful=True, comment="Réactif et utile, merci.")
    needs.survey_answer(need=closed[2], recontacted=True, useful=False, comment="Pas de solution pour nous.")

    for index, (kind, outcome) in enumerate(
        (
            ("visite", "diagnostic"),
            ("appel", "besoin"),
            ("courriel", "informee"),
            ("webinaire", "informee"),
            ("evenement", "informee"),
        )
    ):
        interactions.interaction_record(
            actor=advisor,
            interaction=Interaction(
                company=c[index % len(c)],
                advisor=advisor,
                kind=kind,
                occurred_on=today - timedelta(days=5 + 20 * index),
                tags=["afest", "plan"] if index == 0 else ["alternance"],
                outcome=outcome,
                summary="Échange de démonstration.",
                next_step="Rappeler pour le plan de formation" if index < 2 else "",
                next_step_on=today + timedelta(days=3 + index) if index < 2 else None,
                campaign=campaign if kind == "webinaire" else None,
            ),
        )

    done = diagnostics.diagnostic_open(
        actor=advisor, company=first, kind=DiagnosticKind.SKILLS_HR, opened_on=today - timedelta(days=45)
    )
    diagnostics.diagnostic_update(
        actor=advisor,
        diagnostic_id=done.pk,
        answers={"metiers": "Boulanger, vendeur", "competences": "Relation client"},
        provider_kind="externe",
        consultant_name="RH Conseil Lyon",
        consultant_siret="73282932000074",
        day_rate=Decimal("850.00"),
        days=Decimal("4"),
        opco_amount=Decimal("1700.00"),
        state_amount=Decimal("1360.00"),
        deliverable="Deux métiers en tension ; plan : un apprenti, une formation vente, un parcours AFEST.",
    )
    project = afest.project_save(
        actor=advisor,
        project=AfestProject(
            company=first,
            advisor=advisor,
            title="Tourier confirmé",
            status=ProjectStatus.READY,
            campaign=campaign,
            learners=2,
            activity_analysis="Analyse du façonnage en trois situations, adaptée pour l'apprentissage.",
            trainer_name="Marc Lenoir (chef boulanger)",
            trainer_named_on=today - timedelta(days=20),
            reflective_phases="Un débriefing de 30 minutes hors production après chaque mise en situation.",
            assessments="Grille d'évaluation à mi-parcours et en fin d'action.",
            starts_on=today + timedelta(days=10),
            created_on=today,
        ),
    )
    for title, kind in (
        ("Recruter un apprenti boulanger (CAP)", "alternance"),
        ("Formation vente et relation client", "financement"),
        ("Parcours AFEST tourier", "afest"),
    ):
        item = diagnostics.plan_item_add(
            actor=advisor, diagnostic_id=done.pk, title=title, kind=kind, due_on=today + timedelta(days=60)
        )
        if kind == "afest":
            diagnostics.plan_item_link(actor=advisor, item_id=item.pk, afest_project_id=project.pk)
    diagnostics.diagnostic_complete(actor=advisor, diagnostic_id=done.pk, completed_on=today - timedelta(days=10))
    first_item = done.plan_items.order_by("id").first()
    diagnostics.plan_item_set_status(actor=advisor, item_id=first_item.pk, status="fait", done_on=today - timedelta(days=2))
    eco = diagnostics.diagnostic_open(
        actor=advisor, company=c[1 % len(c)], kind=DiagnosticKind.ECOLOGY, opened_on=today - timedelta(days=5)
    )
    diagnostics.diagnostic_update(
        actor=advisor,
        diagnostic_id=eco.pk,
        answers={"impacts": "Fours et chaîne du froid"},
        provider_kind="interne",
        rome_codes=["D1102", "I1308", "K2304"],
    )
    diagnostics.plan_item_add(
        actor=advisor, diagnostic_id=eco.pk, title="Former au tri et à la réduction des déchets", kind="financement"
    )
    afest.project_save(
        actor=advisor,
        project=FoadAction(
            company=c[5 % len(c)],
            advisor=advisor,
            title="Hygiène alimentaire à distance",
            status=ProjectStatus.READY,
            campaign=campaign,
            assistance="Tuteur en ligne joignable 9h-17h.",
            activities_information="Six modules vidéo avec quiz.",
            average_hours=Decimal("7.0"),
            assessments="Quiz de fin de module et QCM final.",
            created_on=today,
        ),
    )
    return "Service de proximité : portefeuille, besoins dans chaque état, échanges, diagnostics, AFEST, FOAD, campagne."
