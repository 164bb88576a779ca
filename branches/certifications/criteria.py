"""The criteria France compétences examines a registration request on (R6113-9 for the RNCP, R6113-11
for the RS), as the checklist a project must complete before it is filed, and the rules of the filing
and of the registration's length (R6113-9 II, R6113-10, R6113-14, L6113-5, L6113-6).

Pure functions on dates and values: the services call them under the project's lock.
"""

from dataclasses import dataclass
from datetime import date

from branches.certifications.enums import Repertoire
from opco.calendar import MONTHS, Deadline, SilenceMeans, add_months

# R6113-9 3° and R6113-11 2° a) to c) (décret 2025-500, art. 2 I): for requests sent from 1 October 2025.
TRANSITIONS_FROM = date(2025, 10, 1)
MIN_COHORTS = 2  # R6113-9 II, R6113-11 II: the impact is analysed on promotions of holders, at least two

HONOUR_CHECK = Deadline(
    3, MONTHS, "R6113-14", SilenceMeans.NOTHING, label="Bulletin n° 3 des dirigeants", starts_from="à compter de sa date"
)
REGISTRATION = Deadline(60, MONTHS, "L6113-5, L6113-6", SilenceMeans.NOTHING, label="Enregistrement au répertoire")
REGISTRATION_SIMPLIFIED = Deadline(36, MONTHS, "R6113-10", SilenceMeans.NOTHING, label="Enregistrement (procédure simplifiée)")
EMPLOYMENT_SURVEY = Deadline(
    24, MONTHS, "R6113-15", SilenceMeans.NOTHING, label="Données d'insertion des titulaires", starts_from="au plus tard"
)
RENEWAL_ALERT_MONTHS = (12, 6, 3)


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    article: str
    optional: bool = False  # « le cas échéant »: may be marked « sans objet »
    transitions: bool = False  # required for requests filed from TRANSITIONS_FROM only
    cohorts: bool = False  # needs the number of promotions analysed (MIN_COHORTS)
    waived_if_simplified: bool = False  # R6113-10: not examined under the simplified procedure
    honour: bool = False  # needs the date of the directors' bulletin n° 3 (R6113-14)


HONOUR = Criterion(
    "honour",
    "Honorabilité des dirigeants : bulletin n° 3 du casier judiciaire de moins de trois mois",
    "R6113-14",
    honour=True,
)

RNCP_CRITERIA = (
    Criterion("job_fit", "Adéquation du métier aux emplois occupés", "R6113-9 I 1°", waived_if_simplified=True),
    Criterion(
        "employment_impact",
        "Impact en matière d'accès ou de retour à l'emploi, sur au moins deux promotions de titulaires",
        "R6113-9 I 2°, II",
        cohorts=True,
        waived_if_simplified=True,
    ),
    Criterion(
        "means", "Réalité des moyens techniques, pédagogiques et d'encadrement", "R6113-9 I 2° bis", waived_if_simplified=True
    ),
    Criterion(
        "actions_fit", "Adéquation des actions de formation aux référentiels", "R6113-9 I 2° ter", waived_if_simplified=True
    ),
    Criterion("frameworks", "Qualité et cohérence des référentiels d'activités, de compétences et d'évaluation", "R6113-9 I 3°"),
    Criterion(
        "ecological_digital", "Transitions écologique et numérique dans les référentiels", "R6113-9 I 3° a)", transitions=True
    ),
    Criterion("health_safety", "Prévention en matière de santé et de sécurité au travail", "R6113-9 I 3° b)", transitions=True),
    Criterion("disability", "Handicap, accessibilité et conception universelle", "R6113-9 I 3° c)", transitions=True),
    Criterion("control", "Procédures de contrôle des actions et des épreuves d'évaluation", "R6113-9 I 4°"),
    Criterion("legal_constraints", "Contraintes légales et réglementaires du métier", "R6113-9 I 5°"),
    Criterion("vae", "Accès par la validation des acquis de l'expérience (VAE)", "R6113-9 I 6°"),
    Criterion("blocs", "Cohérence des blocs de compétences et de leurs modalités d'évaluation", "R6113-9 I 7°"),
    Criterion("correspondences", "Correspondances avec des certifications équivalentes", "R6113-9 I 8°", optional=True),
    Criterion("cpne_involvement", "Association des CPNE à l'élaboration des référentiels", "R6113-9 I 9°", optional=True),
    HONOUR,
)

RS_CRITERIA = (
    Criterion("market_needs", "Adéquation des compétences aux besoins du marché du travail", "R6113-11 I 1°"),
    Criterion(
        "career_impact",
        "Impact sur la sécurisation ou le développement du parcours professionnel, sur au moins deux promotions",
        "R6113-11 I 1° bis, II",
        cohorts=True,
    ),
    Criterion("training_objectives", "Respect des objectifs des actions de formation (L6313-3)", "R6113-11 I 1° ter"),
    Criterion("means", "Réalité des moyens techniques, pédagogiques et d'encadrement", "R6113-11 I 1° quater"),
    Criterion("actions_fit", "Adéquation des actions de formation au référentiel de compétences", "R6113-11 I 1° quinquies"),
    Criterion("frameworks", "Qualité et cohérence des référentiels de compétences et d'évaluation", "R6113-11 I 2°"),
    Criterion(
        "ecological_digital", "Transitions écologique et numérique dans le référentiel", "R6113-11 I 2° a)", transitions=True
    ),
    Criterion("health_safety", "Prévention en matière de santé et de sécurité au travail", "R6113-11 I 2° b)", transitions=True),
    Criterion("disability", "Handicap, accessibilité et conception universelle", "R6113-11 I 2° c)", transitions=True),
    Criterion("control", "Procédures de contrôle des actions et des épreuves d'évaluation", "R6113-11 I 3°"),
    Criterion("legal_constraints", "Contraintes légales et réglementaires", "R6113-11 I 4°"),
    Criterion("correspondences", "Correspondances avec des blocs de certifications du RNCP", "R6113-11 I 5°", optional=True),
    Criterion("cpne_involvement", "Association des CPNE à l'élaboration des référentiels", "R6113-11 I 6°", optional=True),
    HONOUR,
)


def criteria_for(repertoire: str, *, simplified: bool = False, filed_on: date) -> tuple[Criterion, ...]:
    """The criteria that apply to a request to `repertoire` sent on `filed_on`."""
    table = {Repertoire.RNCP: RNCP_CRITERIA, Repertoire.RS: RS_CRITERIA}.get(repertoire, ())
    return tuple(
        criterion
        for criterion in table
        if not (criterion.transitions and filed_on < TRANSITIONS_FROM)
        and not (criterion.waived_if_simplified and simplified and repertoire == Repertoire.RNCP)
    )


def honour_check_valid(bulletin_on: date | None, filed_on: date) -> bool:
    """R6113-14: the bulletin n° 3 is less than three months old on the day of the request."""
    return bulletin_on is not None and bulletin_on <= filed_on < HONOUR_CHECK.due_on(bulletin_on)


def registration_limit(registered_from: date, *, simplified: bool) -> date:
    """The latest end date of a registration: five years at most (L6113-5, L6113-6), three under the
    simplified procedure (R6113-10); add_months clips 29 February to the 28th."""
    deadline = REGISTRATION_SIMPLIFIED if simplified else REGISTRATION
    return deadline.due_on(registered_from)


def renewal_alert_dates(ends_on: date) -> list[tuple[int, date]]:
    """The days the branch is warned that a registration ends: 12, 6 and 3 months before."""
    return [(months, add_months(ends_on, -months)) for months in RENEWAL_ALERT_MONTHS]
