"""Demo conventions through the real services (issue 18): an FNE-Formation convention signed with the
State (rates 70 / 60 / 50 %, an advance received and matched, a tranche due), an EDEC for the bakery
branch with indicators and targets and its reporting calendar, a regional convention raising two NPECs
(L6211-3), then the public transparency page published and last year's statement computed. Dated
around today; idempotent (nothing is done when the FNE convention exists)."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from branches.models import Branch, NpecEntry
from conventions import reports, services, statement
from conventions.enums import ConventionKind, FunderPaymentKind, IndicatorCode, PartyRole
from conventions.models import Convention
from conventions.transparency import build_payload, current_snapshot, transparency_publish
from referentials.models import Certification

FNE_TITLE = "FNE-Formation – transitions écologique et numérique"
FNE_RATES = {"moins_50": Decimal("70"), "50_249": Decimal("60"), "250_plus": Decimal("50")}


def _convention(actor, *, branches=(), parties, budgets, rates, **fields) -> Convention:
    convention = services.convention_create(actor=actor, branches=branches, **fields)
    for role, name, signatory, title in parties:
        services.party_add(
            actor=actor, convention_id=convention.pk, role=role, name=name, signatory=signatory, signatory_title=title
        )
    for year, funder, amount in budgets:
        services.budget_set(actor=actor, convention_id=convention.pk, year=year, funder=funder, amount=Decimal(amount))
    for band, rate in rates.items():
        services.rate_set(actor=actor, convention_id=convention.pk, size_band=band, rate=rate)
    return convention


def _npecs_to_raise(branch: Branch | None) -> list[tuple[str, str, str]]:
    """Two certifications of the bakery trades: from the NPEC referential when imported, else from the
    certifications referential (then without CPNE)."""
    entries = NpecEntry.objects.filter(Q(title__icontains="boulang") | Q(title__icontains="pâtiss")).exclude(rncp="")
    picked = list(entries.order_by("rncp").values_list("rncp", "cpne__code", "title").distinct()[:2])
    if len(picked) < 2:
        certifications = Certification.objects.filter(Q(title__icontains="boulang") | Q(title__icontains="pâtiss")).exclude(
            rncp="NR"
        )
        picked = [(rncp, "", title) for rncp, title in certifications.order_by("rncp").values_list("rncp", "title")[:2]]
    return picked or [("RNCP35316", "", "CAP Boulanger"), ("RNCP35317", "", "CAP Pâtissier")]


def _cofinanced_requests(convention: Convention, *, finance, today: date) -> int:
    """Three training requests of companies under 50 filed and accepted on the OPCO's rules (sme_services),
    then co-financed by the FNE-Formation convention: its rate of the cost, within what the OPCO left."""
    from demo.training_funding import _data
    from opco.money import round_money
    from referentials.models import Company
    from sme_services.funding.cofinancing import training_request_cofinance
    from sme_services.funding.enums import RequestStatus
    from sme_services.funding.models import FundingRuleSet
    from sme_services.funding.services import training_request_decide, training_request_file

    if not FundingRuleSet.objects.exists():
        return 0
    # Outside the bakery branch, whose quarter the training funding demo leaves nearly used up on purpose.
    companies = list(
        Company.objects.filter(headcount__lt=50)
        .exclude(idcc=None)
        .exclude(idcc__code="0843")
        .select_related("idcc")
        .order_by("siret")[:3]
    )
    gestionnaire = type(finance).objects.filter(email="gestionnaire@demo.local").first() or finance
    start = today + timedelta(days=10)
    titles = ("Éco-conception des produits", "Outils numériques de gestion", "Transmission des savoir-faire")
    done = 0
    for n, company in enumerate(companies):
        title, seniors = titles[n], 1 if n == 2 else 0
        data = _data(
            company, start=start + timedelta(days=n), title=title, theme="transition_ecologique", cost="1100.00", hours="14"
        )
        request = training_request_file(actor=gestionnaire, data=data, received_on=today)
        request = training_request_decide(actor=gestionnaire, pk=request.pk, today=today)
        if request.status != RequestStatus.ACCEPTED:
            continue
        cost = Decimal("1100.00")
        rate = next((row.rate for row in convention.rates.all() if row.size_band == "moins_50"), Decimal("0"))
        amount = min(round_money(cost * rate / 100), cost - request.funded_total)
        if amount > 0:
            training_request_cofinance(
                actor=finance,
                pk=request.pk,
                scope_key=convention.scope_key,
                amount=amount,
                public="seniors" if seniors else "salaries",
                seniors=seniors,
            )
            done += 1
    return done


def demo_conventions_seed(*, finance, today: date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    if Convention.objects.filter(title=FNE_TITLE).exists():
        return {}
    year = today.year
    bakery = Branch.objects.filter(code="IDCC-0843").first() or Branch.objects.order_by("code").first()
    state = ("État – DGEFP", "Le délégué général à l'emploi et à la formation professionnelle", "Délégué général")
    opco = ("OPCO entreprises de proximité", "La directrice générale", "Directrice générale")

    fne = _convention(
        finance,
        parties=[(PartyRole.FUNDER, *state), (PartyRole.OPCO, *opco)],
        budgets=[(year, "État – DGEFP", "500000"), (year + 1, "État – DGEFP", "300000")],
        rates=FNE_RATES,
        title=FNE_TITLE,
        kind=ConventionKind.FNE,
        funder="État – DGEFP",
        legal_basis="C. trav. L6332-1 II 1° a ; L5111-1, R5111-1 ; R6341-32-1 II (70 % au plus)",
        object="Cofinancement de parcours de formation des salariés des entreprises adhérentes face aux transitions.",
        all_branches=True,
        publics=["salaries", "seniors"],
        starts_on=date(year, 1, 1),
        ends_on=date(year + 1, 12, 31),  # files committed in the year, trainings finished by the next one's end
        eligible_costs="Coûts pédagogiques ; frais annexes exclus.",
        max_hourly_cost=Decimal("40"),
        max_line_amount=Decimal("15000"),
        max_months=12,
        reporting_months=6,
    )
    services.convention_sign(actor=finance, convention_id=fne.pk, signed_on=date(year, 1, 15))
    advance = services.funder_payment_add(
        actor=finance,
        convention_id=fne.pk,
        kind=FunderPaymentKind.ADVANCE,
        label="Avance de 30 %",
        due_on=date(year, 2, 15),
        amount_due=Decimal("150000"),
    )
    services.funder_payment_match(
        actor=finance,
        payment_id=advance.pk,
        received_on=date(year, 2, 18),
        amount=Decimal("150000"),
        bank_reference="VIR DGEFP FNE AVANCE",
    )
    services.funder_payment_add(
        actor=finance,
        convention_id=fne.pk,
        kind=FunderPaymentKind.TRANCHE,
        label="Deuxième tranche",
        due_on=date(year, 9, 30),
        amount_due=Decimal("200000"),
    )
    for code, target in ((IndicatorCode.COMPANIES, "120"), (IndicatorCode.TRAINEES, "600"), (IndicatorCode.SENIORS, "20")):
        services.indicator_target_set(actor=finance, convention_id=fne.pk, code=code, year=year, target=Decimal(target))
    services.reporting_calendar_plan(actor=finance, convention_id=fne.pk)
    cofinanced = _cofinanced_requests(fne, finance=finance, today=today)

    edec = _convention(
        finance,
        branches=[bakery] if bakery else [],
        parties=[
            (PartyRole.FUNDER, *state),
            (PartyRole.OPCO, *opco),
            (PartyRole.BRANCH, "Confédération de la boulangerie-pâtisserie", "", ""),
        ],
        budgets=[(year, "État – DGEFP", "120000"), (year + 1, "État – DGEFP", "80000"), (year, "OPCO (fonds propres)", "60000")],
        rates={"moins_50": Decimal("70"), "50_249": Decimal("70")},
        title="EDEC boulangerie-pâtisserie : numérique et transmission",
        kind=ConventionKind.EDEC,
        funder="État – DGEFP",
        legal_basis="C. trav. L5121-1 ; D5121-1 à D5121-13",
        object="Étude prospective (CEP) et actions de développement des compétences (ADEC) de la branche.",
        all_branches=not bakery,
        territories="National",
        publics=["salaries", "seniors", "employeurs"],
        starts_on=date(year, 3, 1),
        ends_on=date(year + 1, 12, 31),
        reporting_months=12,
    )
    services.convention_sign(actor=finance, convention_id=edec.pk, signed_on=date(year, 3, 1))
    for code, first, second in (
        (IndicatorCode.COMPANIES, "40", "60"),
        (IndicatorCode.TRAINEES, "150", "250"),
        (IndicatorCode.HOURS, "3000", "5000"),
        (IndicatorCode.SENIORS, "15", "20"),
        (IndicatorCode.WOMEN, "40", "45"),
    ):
        services.indicator_target_set(actor=finance, convention_id=edec.pk, code=code, year=year, target=Decimal(first))
        services.indicator_target_set(actor=finance, convention_id=edec.pk, code=code, year=year + 1, target=Decimal(second))
    services.reporting_calendar_plan(actor=finance, convention_id=edec.pk)
    reports.report_prepare(
        actor=finance, convention_id=edec.pk, start=date(year, 3, 1), end=today if today >= date(year, 3, 1) else date(year, 3, 1)
    )

    region = _convention(
        finance,
        parties=[
            (PartyRole.FUNDER, "Région Auvergne-Rhône-Alpes", "Le président du conseil régional", "Président"),
            (PartyRole.OPCO, *opco),
        ],
        budgets=[(year, "Région Auvergne-Rhône-Alpes", "90000")],
        rates={},
        title="Convention d'objectifs et de moyens – métiers de bouche en territoire rural",
        kind=ConventionKind.REGIONAL,
        funder="Région Auvergne-Rhône-Alpes",
        legal_basis="C. trav. L6211-3 I 1° et III",
        object="Majoration de la prise en charge de contrats d'apprentissage pour des besoins d'aménagement du territoire.",
        all_branches=True,
        territories="Auvergne-Rhône-Alpes",
        publics=["alternants"],
        starts_on=date(year, 1, 1),
        ends_on=date(year + 2, 8, 31),
    )
    for rncp, cpne, title in _npecs_to_raise(bakery):
        services.npec_raise_add(
            actor=finance,
            convention_id=region.pk,
            rncp=rncp,
            cpne_code=cpne or "",
            title=title[:500],
            amount=Decimal("1000"),
            applicable_from=date(year, 1, 1),
        )
    services.convention_sign(actor=finance, convention_id=region.pk, signed_on=date(year, 2, 1))
    services.convention_amend(
        actor=finance,
        convention_id=region.pk,
        signed_on=date(year, 6, 1),
        summary="Abondement régional de la première année",
        budgets=[(year, "Région Auvergne-Rhône-Alpes", Decimal("110000"))],
    )

    statement.statement_compute(actor=finance, year=year - 1)
    return {
        "conventions": 3,
        "demandes cofinancées (FNE-Formation)": cofinanced,
        "majorations de NPEC": region.npec_raises.count(),
    }


def demo_transparency_publish(today: date | None = None) -> str:
    """The public page (R6332-23) published from whatever the demo holds — called LAST by seed_demo, after
    every other seed (the NPECs imported, the earlier run settled, the diagnostics costed). Published
    again only when its content changed, so that a second seed_demo adds nothing."""
    payload, sections, text = build_payload(today or timezone.localdate())
    latest = current_snapshot()
    if latest is not None and latest.csv == text:
        published = [(row.key, row.rows) for row in latest.sections.order_by("position")]
        if published == [(section["key"], section["rows"]) for section in sections]:
            return ""
    snapshot = transparency_publish(reason="Données de démonstration")
    counts = ", ".join(f"{row.row_count} {row.key}" for row in snapshot.sections.order_by("position"))
    return f"Page de transparence publiée : {counts}."
