"""The filing checklist as a check report (opco.checks): one line per criterion of R6113-9 (RNCP) or
R6113-11 (RS) that applies on the filing day, each with its evidence; the honour check of R6113-14.
A report in error refuses the filing (workflow action « file »)."""

from datetime import date

from branches.certifications.criteria import HONOUR_CHECK, MIN_COHORTS, Criterion, criteria_for, honour_check_valid
from branches.certifications.enums import CriterionState, Repertoire
from opco.checks import CheckReport, CheckResult, CheckStatus, fr_date


def _line(criterion: Criterion, project, answer, filed_on: date) -> CheckResult:
    def result(status, message):
        return CheckResult(criterion.code, status, f"{criterion.label} ({criterion.article}) : {message}")

    state = answer.state if answer else CriterionState.PENDING
    if state == CriterionState.NOT_APPLICABLE:
        if criterion.optional:
            return result(CheckStatus.OK, "sans objet.")
        return result(CheckStatus.ERROR, "ce critère ne peut pas être déclaré sans objet.")
    if state != CriterionState.MET:
        return result(CheckStatus.ERROR, "non renseigné.")
    if not answer.evidence.strip():
        return result(CheckStatus.ERROR, "aucun justificatif.")
    if criterion.cohorts and project.cohorts < MIN_COHORTS:
        return result(
            CheckStatus.ERROR, f"{project.cohorts} promotion(s) de titulaires analysée(s), il en faut au moins {MIN_COHORTS}."
        )
    if criterion.honour:
        if not honour_check_valid(project.honour_check_on, filed_on):
            when = fr_date(project.honour_check_on) if project.honour_check_on else "non renseigné"
            return result(
                CheckStatus.ERROR,
                f"bulletin n° 3 du {when} : il doit dater de moins de trois mois au dépôt du {fr_date(filed_on)}.",
            )
        return result(
            CheckStatus.OK,
            f"bulletin du {fr_date(project.honour_check_on)}, valable jusqu'au "
            f"{fr_date(HONOUR_CHECK.due_on(project.honour_check_on))} exclu. {answer.evidence}",
        )
    return result(CheckStatus.OK, answer.evidence)


def checklist(project, *, filed_on: date) -> list[tuple[Criterion, object]]:
    """The criteria that apply and the project's answers (None when not answered yet)."""
    answers = {answer.code: answer for answer in project.criteria.all()}
    criteria = criteria_for(project.repertoire, simplified=project.simplified, filed_on=filed_on)
    return [(criterion, answers.get(criterion.code)) for criterion in criteria]


def filing_report(project, *, filed_on: date) -> CheckReport:
    if project.repertoire not in (Repertoire.RNCP, Repertoire.RS):
        return CheckReport([CheckResult("repertoire", CheckStatus.ERROR, "Choisissez le répertoire visé : RNCP ou RS.")])
    return CheckReport(
        [_line(criterion, project, answer, filed_on) for criterion, answer in checklist(project, filed_on=filed_on)]
    )
