"""The staff deposit form of a professionalisation contract, following the EJ20 blocks (employer,
employee, tutor, qualification, training body, contract, pay): the same machinery as the FA13 form
(fields named after the payload's paths, the payload's parser as the one validation), deposited by
the same `contract_deposit` (`"type_contrat": "professionnalisation"`)."""

from django import forms

from contracts.forms.deposit import DepositForm, _bool, _date, _decimal, _live, _text, field_name
from contracts.professionalisation.payload import CONTRACT_KIND, SITUATIONS

TUTORS = 2
PAY_ROWS = 4
REQUIRED_PATHS = {
    "employeur.siret",
    "salarie.nom",
    "salarie.prenom",
    "salarie.date_naissance",
    "salarie.situation",
    "formation.type_qualification",
    "formation.date_debut",
    "formation.date_fin",
    "formation.duree_heures",
    "organisme.siret",
    "contrat.nature",
    "contrat.date_conclusion",
    "contrat.date_debut",
}
QUALIFICATIONS = [("", "—"), ("rncp", "Certification RNCP"), ("cqp", "CQP"), ("classification", "Classification de branche")]
NATURE_CHOICES = [("", "—"), ("cdd", "CDD"), ("cdi", "CDI")]


def _level(label: str, first: int = 1):
    return forms.TypedChoiceField(
        label=label,
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—")] + [(n, f"Niveau {n}") for n in range(first, 9)],
    )


def _tutor_fields(index: int) -> dict:
    prefix = f"tuteurs[{index}]"
    return {
        f"{prefix}.nom": _text("Nom"),
        f"{prefix}.prenom": _text("Prénom"),
        f"{prefix}.date_naissance": _date("Date de naissance"),
        f"{prefix}.experience_annees": _decimal("Expérience professionnelle (années)", max_value=99),
        f"{prefix}.est_employeur": _bool("Le tuteur est l'employeur"),
    }


def _pay_fields(index: int) -> dict:
    prefix = f"contrat.remunerations[{index}]"
    return {
        f"{prefix}.date_debut": _date("Du"),
        f"{prefix}.date_fin": _date("Au"),
        f"{prefix}.taux": _decimal("% du SMIC", max_value=1000),
    }


SECTIONS: list[tuple[str, str, dict]] = [
    (
        "employeur",
        "L'employeur",
        {
            "employeur.siret": _text("SIRET de l'établissement", 20, **_live("check_siret", "employeur.siret")),
            "employeur.denomination": _text("Dénomination"),
            "employeur.naf": _text("Code NAF", 6),
            "employeur.idcc": _text("IDCC de la convention collective", 4),
            "employeur.effectif": forms.IntegerField(label="Effectif salarié", required=False, min_value=0),
            "employeur.geiq": _bool("Groupement d'employeurs pour l'insertion et la qualification (GEIQ)"),
            "employeur.adresse.numero": _text("N°", 16),
            "employeur.adresse.voie": _text("Voie"),
            "employeur.adresse.code_postal": _text("Code postal", 5),
            "employeur.adresse.commune": _text("Commune", 128),
            "employeur.courriel": forms.EmailField(label="Courriel de l'employeur", required=False),
        },
    ),
    (
        "salarie",
        "Le (la) salarié(e)",
        {
            "salarie.nom": _text("Nom de naissance", 150),
            "salarie.prenom": _text("Prénom", 150),
            "salarie.date_naissance": _date("Date de naissance"),
            "salarie.nir": _text("NIR (n° de sécurité sociale)", 21, autocomplete="off"),
            "salarie.situation": forms.ChoiceField(
                label="Situation avant le contrat", choices=[("", "—"), *SITUATIONS.items()], required=False
            ),
            "salarie.inscrit_france_travail_depuis": _date("Inscrit(e) à France Travail depuis le"),
            "salarie.diplome_niveau": _level("Plus haut diplôme obtenu (0 : aucun)", first=0),
            "salarie.diplome_professionnel": _bool("Ce diplôme est un diplôme professionnel"),
            "salarie.handicap": _bool("Reconnaissance de la qualité de travailleur handicapé (RQTH)"),
        },
    ),
    *(
        (f"tuteur{index + 1}", f"Tuteur n° {index + 1}{' (facultatif)' if index else ''}", _tutor_fields(index))
        for index in range(TUTORS)
    ),
    (
        "formation",
        "La qualification visée et la formation",
        {
            "formation.type_qualification": forms.ChoiceField(
                label="Qualification",
                choices=[
                    ("", "—"),
                    ("rncp", "Certification RNCP"),
                    ("cqp", "CQP"),
                    ("classification", "Classification de branche"),
                ],
                required=False,
            ),
            "formation.rncp": _text("Fiche RNCP", 16, **_live("check_rncp", "formation.rncp")),
            "formation.intitule": _text("Intitulé", 500),
            "formation.niveau": _level("Niveau"),
            "formation.date_debut": _date("Début de la formation"),
            "formation.date_fin": _date("Fin de la formation"),
            "formation.duree_heures": _decimal("Durée des actions de formation (heures)", max_value=100000),
            "formation.accord_branche_au_dela_25": _bool("Un accord de branche porte la formation au-delà de 25 %"),
        },
    ),
    (
        "organisme",
        "L'organisme de formation",
        {
            "organisme.siret": _text("SIRET de l'organisme", 20, **_live("check_siret", "cfa.siret")),
            "organisme.denomination": _text("Dénomination"),
            "organisme.uai": _text("UAI (s'il en a un)", 10),
            "organisme.courriel": forms.EmailField(label="Courriel de l'organisme (avis de paiement)", required=False),
        },
    ),
    (
        "contrat",
        "Le contrat",
        {
            "contrat.nature": forms.ChoiceField(
                label="Nature", choices=[("", "—"), ("cdd", "CDD"), ("cdi", "CDI")], required=False
            ),
            "contrat.date_conclusion": _date("Date de conclusion"),
            "contrat.date_debut": _date("Début du contrat"),
            "contrat.date_fin": _date("Fin du contrat (CDD)"),
            "contrat.action_date_debut": _date("Début de l'action de professionnalisation (CDI)"),
            "contrat.action_date_fin": _date("Fin de l'action de professionnalisation (CDI)"),
            "contrat.accord_branche_duree": _bool("Un accord de branche porte la durée au-delà de 12 mois"),
            "contrat.duree_hebdo_heures": _decimal("Durée hebdomadaire (heures)", max_value=60),
            "contrat.salaire_minimum_conventionnel": _decimal("Salaire minimum conventionnel (€)", max_value=100000),
            "contrat.salaire_brut_mensuel_embauche": _decimal("Salaire brut mensuel à l'embauche (€)", max_value=100000),
            "tutorat_mois": forms.IntegerField(
                label="Mois d'aide au tutorat demandés", required=False, min_value=0, max_value=36
            ),
            "recu_le": _date("Dossier reçu par l'OPCO le"),
            "courriel_deposant": forms.EmailField(label="Courriel du déposant", required=False),
        },
    ),
]
PAY_FIELDS = [_pay_fields(index) for index in range(PAY_ROWS)]
PATHS = {field_name(path): path for _, _, fields in SECTIONS for path in fields} | {
    field_name(path): path for row in PAY_FIELDS for path in row
}


class ProDepositForm(DepositForm):
    sections_spec = SECTIONS
    pay_spec = PAY_FIELDS
    paths = PATHS
    required_paths = REQUIRED_PATHS
    people_prefix, people_count = "tuteurs", TUTORS
    people_missing = "Indiquez au moins un tuteur (nom, prénom, date de naissance) (D6325-6)."
    person_field_missing = "Champ obligatoire pour ce tuteur."

    def payload(self) -> dict:
        return {**super().payload(), "type_contrat": CONTRACT_KIND}


ProDepositForm.base_fields = {field_name(path): field for _, _, fields in SECTIONS for path, field in fields.items()} | {
    field_name(path): field for row in PAY_FIELDS for path, field in row.items()
}
