"""The eligibility rules of a funding line drawn on a convention (payments.cofinancing registers them
by the « convention: » key prefix): the convention signed, the action within its period and its maximum
length, the company within its branches, the public, a co-financing rate for the company's size, the
rate applied to the eligible cost, the hourly and per-file caps. Stable codes, French reasons."""

from decimal import Decimal

from branches.models import BranchIdcc
from conventions.enums import ConventionStatus
from conventions.models import Convention
from opco.calendar import add_months
from opco.checks import CheckResult, CheckStatus, fr_date, fr_number
from opco.money import euros, round_money
from payments.cofinancing import LineFacts
from payments.models import Public, SizeBand

PREFIX = "convention:"
HUNDRED = Decimal("100")


def _error(code: str, message: str) -> CheckResult:
    return CheckResult(code, CheckStatus.ERROR, message)


def convention_of(scope_key: str) -> Convention | None:
    try:
        pk = int(scope_key.removeprefix(PREFIX))
    except ValueError:
        return None
    return Convention.objects.prefetch_related("rates", "branches").filter(pk=pk).first()


def rules(facts: LineFacts) -> list[CheckResult]:
    convention = convention_of(facts.scope_key)
    if convention is None:
        return [_error("convention_inconnue", f"Aucune convention ne répond à la clé « {facts.scope_key} ».")]
    name, the = f"La convention {convention.number}", f"la convention {convention.number}"
    results = []
    if convention.status != ConventionStatus.SIGNED:
        results.append(
            _error("convention_non_active", f"{name} est {convention.get_status_display().lower()} : aucune ligne ne s'y engage.")
        )
    if facts.starts_on < convention.starts_on or facts.ends_on > convention.ends_on:
        results.append(
            _error(
                "hors_periode",
                f"L'action ({fr_date(facts.starts_on)} – {fr_date(facts.ends_on)}) sort de la période de la convention "
                f"({fr_date(convention.starts_on)} – {fr_date(convention.ends_on)}).",
            )
        )
    # FNE-Formation: an action of 12 months at most (DGEFP instruction); the day after 12 months is one too many.
    if convention.max_months and facts.ends_on >= add_months(facts.starts_on, convention.max_months):
        results.append(
            _error("duree_depassee", f"L'action dure plus de {convention.max_months} mois, la durée maximale de la convention.")
        )
    if not convention.all_branches:
        company_branch = None
        if facts.company is not None and facts.company.idcc_id:
            company_branch = BranchIdcc.objects.filter(idcc_id=facts.company.idcc_id).values_list("branch_id", flat=True).first()
        covered = {branch.pk for branch in convention.branches.all()}
        if company_branch not in covered:
            results.append(_error("hors_perimetre", f"L'entreprise ne relève d'aucune branche couverte par {the}."))
    if facts.public not in convention.publics:
        results.append(_error("public_non_eligible", f"Le public « {Public(facts.public).label} » n'est pas éligible à {the}."))
    band = facts.size_band
    rate = next((row.rate for row in convention.rates.all() if row.size_band == band), None)
    if not band:
        results.append(
            _error("effectif_inconnu", "L'effectif de l'entreprise est inconnu : le taux de cofinancement ne peut être choisi.")
        )
    elif rate is None:
        results.append(
            _error("taille_non_eligible", f"Les entreprises de la tranche « {SizeBand(band).label} » ne sont pas éligibles.")
        )
    else:
        cap = round_money(facts.total_cost * rate / HUNDRED)
        if facts.amount > cap:
            results.append(
                _error(
                    "taux_depasse",
                    f"La convention prend au plus {fr_number(rate)} % du coût ({euros(cap)}) ; "
                    f"la ligne demande {euros(facts.amount)}.",
                )
            )
    if convention.max_hourly_cost is not None:
        if facts.hours <= 0:
            results.append(
                _error("heures_manquantes", "Indiquez les heures de formation : la convention plafonne le coût horaire.")
            )
        elif facts.total_cost > convention.max_hourly_cost * facts.hours:
            results.append(
                _error(
                    "cout_horaire_depasse",
                    f"Le coût horaire ({euros(round_money(facts.total_cost / facts.hours))}) dépasse le plafond de "
                    f"{euros(convention.max_hourly_cost)} de la convention.",
                )
            )
    if convention.max_line_amount is not None and facts.amount > convention.max_line_amount:
        results.append(
            _error("plafond_dossier_depasse", f"La convention prend au plus {euros(convention.max_line_amount)} par dossier.")
        )
    return results
