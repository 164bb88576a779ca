"""The staff deposit form of an apprenticeship contract, following the CERFA FA13 blocks.

Each field is named after its path in the CHECKS.md payload (`employeur.siret` → `employeur__siret`,
`contrat.remunerations[1].taux` → `contrat__remunerations__1__taux`), so that the French message of
an `InvalidPayload` lands next to its field. The form converts types; what is required is the
payload's rule (`contracts.alternance.payload`), applied by `contract_deposit` — the one validation of the
three doors (screen, API, import).
"""

import re
from datetime import date
from decimal import Decimal

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone

from contracts.alternance.payload import AGE_DEROGATIONS
from opco.forms import DateWidget, StyledForm
from referentials.validators import normalize_identifier

MASTERS = 2  # at least one, a second allowed (R6223-23: several masters, one referent)
PAY_ROWS = 4
# The payload's required fields (CHECKS.md « Interface »): marked `required` for the browser only.
REQUIRED_PATHS = {
    "employeur.siret",
    "apprenti.date_naissance",
    "formation.rncp",
    "formation.niveau",
    "formation.date_debut",
    "formation.duree_heures",
    "cfa.siret",
    "cfa.uai",
    "contrat.date_conclusion",
    "contrat.date_debut",
    "contrat.date_fin",
    "contrat.date_debut_formation_pratique",
}
# Identifiers people type with spaces or dots; the checks want them compact.
IDENTIFIERS = {"employeur.siret", "cfa.siret", "cfa.uai", "formation.rncp", "apprenti.nir", "employeur.naf"}
CONTRACT_TYPES = [
    ("11", "11 – Premier contrat de l'apprenti"),
    ("21", "21 – Nouveau contrat chez le même employeur"),
    ("22", "22 – Nouveau contrat chez un autre employeur"),
    ("23", "23 – Nouveau contrat après une rupture"),
]
DEROGATIONS = [
    ("", "Aucune"),
    (AGE_DEROGATIONS[0], "Diplôme de niveau supérieur (L6222-2 1°)"),
    (AGE_DEROGATIONS[1], "Rupture indépendante de la volonté de l'apprenti (L6222-2 2°)"),
]


def field_name(path: str) -> str:
    """`contrat.remunerations[1].taux` → `contrat__remunerations__1__taux`."""
    return re.sub(r"\[(\d+)\]", r".\1", path).replace(".", "__")


def _text(label, max_length=255, **attrs):
    return forms.CharField(label=label, max_length=max_length, required=False, widget=forms.TextInput(attrs=attrs))


def _date(label):
    return forms.DateField(label=label, required=False, widget=DateWidget())


def _bool(label):
    return forms.BooleanField(label=label, required=False)


def _decimal(label, max_value=None):
    return forms.DecimalField(label=label, required=False, min_value=0, max_value=max_value, decimal_places=2)


def _live(url_name: str, path: str) -> dict:
    """htmx attributes: the field's value is checked as it is typed, the hint shown under it."""
    return {
        "hx-get": reverse_lazy(f"contracts:{url_name}"),
        "hx-trigger": "input changed delay:400ms, change",
        "hx-target": f"#hint-{field_name(path)}",
        "hx-swap": "innerHTML",
        "autocomplete": "off",
    }


def _master_fields(index: int) -> dict:
    prefix = f"maitres_apprentissage[{index}]"
    return {
        f"{prefix}.nom": _text("Nom"),
        f"{prefix}.prenom": _text("Prénom"),
        f"{prefix}.date_naissance": _date("Date de naissance"),
        f"{prefix}.diplome_niveau": forms.TypedChoiceField(
            label="Niveau du plus haut diplôme",
            required=False,
            coerce=int,
            empty_value=None,
            choices=[("", "—")] + [(n, f"Niveau {n}") for n in range(1, 9)],
        ),
        f"{prefix}.diplome_meme_domaine": _bool("Diplôme dans le domaine de la formation"),
        f"{prefix}.experience_annees": _decimal("Expérience en lien avec la formation (années)", max_value=80),
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
            "employeur.adresse.numero": _text("N°", 16),
            "employeur.adresse.voie": _text("Voie"),
            "employeur.adresse.code_postal": _text("Code postal", 5),
            "employeur.adresse.commune": _text("Commune", 128),
            "employeur.courriel": forms.EmailField(label="Courriel de l'employeur", required=False),
        },
    ),
    (
        "apprenti",
        "L'apprenti(e)",
        {
            "apprenti.nom": _text("Nom de naissance", 150),
            "apprenti.prenom": _text("Prénom", 150),
            "apprenti.date_naissance": _date("Date de naissance"),
            "apprenti.nir": _text("NIR (n° de sécurité sociale)", 21, autocomplete="off"),
            "apprenti.handicap": _bool("Reconnaissance de la qualité de travailleur handicapé (RQTH)"),
            "apprenti.premier_cycle_acheve": _bool("A achevé le premier cycle de l'enseignement secondaire (collège)"),
            "apprenti.projet_creation_reprise_entreprise": _bool("Projet de création ou de reprise d'entreprise"),
            "apprenti.sportif_haut_niveau": _bool("Sportif de haut niveau"),
            "apprenti.derogation_age": forms.ChoiceField(label="Dérogation d'âge", choices=DEROGATIONS, required=False),
            "apprenti.precedent_contrat_fin": _date("Fin du précédent contrat d'apprentissage"),
        },
    ),
    *(
        (f"maitre{index + 1}", f"Maître d'apprentissage n° {index + 1}{' (facultatif)' if index else ''}", _master_fields(index))
        for index in range(MASTERS)
    ),
    (
        "formation",
        "La formation",
        {
            "formation.rncp": _text("Fiche RNCP", 16, **_live("check_rncp", "formation.rncp")),
            "formation.code_diplome": _text("Code diplôme", 8),
            "formation.niveau": forms.TypedChoiceField(
                label="Niveau",
                required=False,
                coerce=int,
                empty_value=None,
                choices=[("", "—")] + [(n, f"Niveau {n}") for n in range(3, 9)],
            ),
            "formation.intitule": _text("Intitulé", 500),
            "formation.date_debut": _date("Début de la formation"),
            "formation.date_fin": _date("Fin de la formation (examens)"),
            "formation.duree_heures": _decimal("Durée de la formation en CFA (heures)", max_value=100000),
            "formation.distance_pct": _decimal("Part de la formation à distance (%)", max_value=100),
        },
    ),
    (
        "cfa",
        "Le CFA",
        {
            "cfa.siret": _text("SIRET du CFA", 20, **_live("check_siret", "cfa.siret")),
            "cfa.uai": _text("UAI du CFA", 10, **_live("check_uai", "cfa.uai")),
            "cfa.denomination": _text("Dénomination"),
            "cfa.qualiopi": _bool("Certifié Qualiopi (actions de formation par apprentissage)"),
            "cfa.declaration_activite_date": _date("Déclaration d'activité enregistrée le"),
            "cfa.courriel": forms.EmailField(label="Courriel du CFA (avis de paiement)", required=False),
        },
    ),
    (
        "contrat",
        "Le contrat",
        {
            "type_contrat": forms.ChoiceField(label="Type de contrat", choices=CONTRACT_TYPES, initial="11"),
            "contrat.date_conclusion": _date("Date de conclusion"),
            "contrat.date_debut": _date("Début d'exécution"),
            "contrat.date_fin": _date("Fin du contrat"),
            "contrat.date_debut_formation_pratique": _date("Début de la formation pratique chez l'employeur"),
            "contrat.duree_hebdo_heures": _decimal("Durée hebdomadaire (heures)", max_value=60),
            "contrat.salaire_brut_mensuel_embauche": _decimal("Salaire brut mensuel à l'embauche (€)", max_value=100000),
            "contrat.classification": _text("Classification de l'emploi (convention collective)", 120),
            "contrat.coefficient": _text("Coefficient hiérarchique", 32),
            "recu_le": _date("Dossier reçu par l'OPCO le"),
            "courriel_deposant": forms.EmailField(
                label="Courriel du déposant",
                required=False,
                help_text="L'OPCO y adresse ses courriers ; sans adresse, aucun envoi.",
            ),
        },
    ),
]
PAY_FIELDS = [_pay_fields(index) for index in range(PAY_ROWS)]
PATHS = {field_name(path): path for _, _, fields in SECTIONS for path in fields} | {
    field_name(path): path for row in PAY_FIELDS for path in row
}


class DepositForm(StyledForm):
    """The FA13 form; ProDepositForm (contracts.forms.professionalisation) sets its own blocks."""

    sections_spec = SECTIONS
    pay_spec = PAY_FIELDS
    paths = PATHS
    required_paths = REQUIRED_PATHS
    people_prefix, people_count = "maitres_apprentissage", MASTERS
    people_missing = "Indiquez au moins un maître d'apprentissage (nom, prénom, date de naissance)."
    person_field_missing = "Champ obligatoire pour ce maître d'apprentissage."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recu_le"].initial = timezone.localdate()
        for name, path in self.paths.items():
            if path in self.required_paths:
                self.fields[name].widget.attrs["required"] = True

    # --- Layout for the template --------------------------------------------------------------
    def sections(self) -> list[dict]:
        return [
            {"key": key, "title": title, "fields": [self[field_name(path)] for path in fields]}
            for key, title, fields in self.sections_spec
        ]

    def pay_rows(self) -> list[list]:
        return [[self[field_name(path)] for path in row] for row in self.pay_spec]

    # --- Cross-field rules the payload does not carry -----------------------------------------
    def clean(self):
        data = super().clean()
        people = [index for index in range(self.people_count) if self._filled(f"{self.people_prefix}[{index}]", data)]
        if not people:
            self.add_error(field_name(f"{self.people_prefix}[0].nom"), self.people_missing)
        for index in people:
            for key in ("nom", "prenom", "date_naissance"):
                name = field_name(f"{self.people_prefix}[{index}].{key}")
                if name not in self.errors and data.get(name) in (None, ""):
                    self.add_error(name, self.person_field_missing)
        if not any(self._filled(f"contrat.remunerations[{index}]", data) for index in range(len(self.pay_spec))):
            self.add_error(field_name("contrat.remunerations[0].date_debut"), "Indiquez au moins une période de rémunération.")
        return data

    def _filled(self, prefix: str, data: dict) -> bool:
        return any(
            value not in (None, "", False) for name, value in data.items() if self.paths.get(name, "").startswith(prefix + ".")
        )

    # --- The CHECKS.md payload ------------------------------------------------------------------
    def payload(self) -> dict:
        data = self.cleaned_data
        payload: dict = {}
        for name, path in self.paths.items():
            if "[" in path:
                continue  # lists below
            value = _json(data.get(name), path)
            if value is None:
                continue
            _set(payload, path.split("."), value)
        payload[self.people_prefix] = [
            self._item(f"{self.people_prefix}[{index}]")
            for index in range(self.people_count)
            if self._filled(f"{self.people_prefix}[{index}]", data)
        ]
        payload.setdefault("contrat", {})["remunerations"] = [
            self._item(f"contrat.remunerations[{index}]")
            for index in range(len(self.pay_spec))
            if self._filled(f"contrat.remunerations[{index}]", data)
        ]
        return payload

    def _item(self, prefix: str) -> dict:
        item = {}
        for name, path in self.paths.items():
            if path.startswith(prefix + "."):
                value = _json(self.cleaned_data.get(name), path)
                if value is not None:
                    item[path.removeprefix(prefix + ".")] = value
        return item

    def add_payload_errors(self, errors: dict[str, str]) -> None:
        """Each InvalidPayload message next to its field, or at the top when no field carries it."""
        for path, message in errors.items():
            name = field_name(path)
            if name in self.fields:
                self.add_error(name, message)
            else:
                self.add_error(None, f"{path} : {message}")


DepositForm.base_fields.update(
    {field_name(path): field for _, _, fields in SECTIONS for path, field in fields.items()}
    | {field_name(path): field for row in PAY_FIELDS for path, field in row.items()}
)


def _json(value, path: str):
    """A cleaned form value as the payload writes it (ISO dates, amounts as strings)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal(1))) if value == value.to_integral_value() else str(value)
    if isinstance(value, str):
        value = value.strip()
        if path in IDENTIFIERS:
            value = normalize_identifier(value)
            if path == "formation.rncp" and value.isdigit():
                value = f"RNCP{value}"
        return value or None
    return value


def _set(target: dict, keys: list[str], value) -> None:
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value
