"""Forms of the simulator and of a funding request: fields a person fills in, turned into the
simulator's request (TRAINING_FUNDING.md §2); the rules stay in the engine and the services."""

import json

from django import forms

from opco.forms import DateWidget, StyledForm
from sme_services.funding.enums import Dispositif, EvidenceKind, Mandate, Modality

AMOUNT = {"max_digits": 11, "decimal_places": 2, "min_value": 0}


def _s(value) -> str | None:
    return None if value in (None, "") else f"{value}"


class SimulatorForm(StyledForm):
    json = forms.CharField(
        label="Ou la demande au format JSON", required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )
    dispositif = forms.ChoiceField(label="Dispositif", choices=Dispositif.choices, required=False)
    siret = forms.CharField(label="SIRET de l'entreprise", max_length=20, required=False)
    idcc = forms.CharField(label="IDCC", max_length=4, required=False)
    headcount = forms.IntegerField(label="Effectif", min_value=0, required=False)
    title = forms.CharField(label="Intitulé de la formation", max_length=200, required=False)
    theme = forms.CharField(label="Thème (code)", max_length=80, required=False)
    modality = forms.ChoiceField(label="Modalité", choices=Modality.choices, required=False)
    pedagogy_kind = forms.CharField(label="Type de plafond horaire (présentiel)", max_length=40, required=False)
    start = forms.DateField(label="Début", widget=DateWidget, required=False)
    end = forms.DateField(label="Fin", widget=DateWidget, required=False)
    trainees = forms.IntegerField(label="Stagiaires", min_value=1, required=False)
    hours_per_trainee = forms.DecimalField(label="Heures par stagiaire (plan)", required=False, **AMOUNT)
    pedagogical_cost = forms.DecimalField(label="Coût pédagogique HT", required=False, **AMOUNT)
    mandate = forms.ChoiceField(label="Mandat (SSCT)", choices=[("", "—"), *Mandate.choices], required=False)
    days = forms.IntegerField(label="Jours (SSCT)", min_value=1, required=False)
    hourly_pay = forms.DecimalField(label="Salaire horaire chargé (moyen)", required=False, **AMOUNT)
    frais_amount = forms.DecimalField(label="Frais annexes demandés", required=False, **AMOUNT)
    frais_km = forms.IntegerField(label="Kilomètres", min_value=0, required=False)
    frais_nights = forms.IntegerField(label="Nuitées", min_value=0, required=False)
    frais_meals = forms.IntegerField(label="Repas", min_value=0, required=False)
    filed_on = forms.DateField(label="Date de dépôt", widget=DateWidget, required=False)
    consumed_this_year = forms.DecimalField(label="Déjà imputé sur le plafond cette année", required=False, **AMOUNT)

    def payload(self) -> dict:
        """The simulator's request: the JSON when given, else built from the fields (absent left out,
        the engine says what is missing)."""
        data = self.cleaned_data
        if data.get("json"):
            try:
                return json.loads(data["json"])
            except ValueError as error:
                raise forms.ValidationError(f"JSON illisible : {error}") from None
        plan = data.get("dispositif") == Dispositif.PLAN50
        training = {
            "title": data.get("title") or None,
            "theme": data.get("theme") or None,
            "modality": data.get("modality") or None,
            "start": data["start"].isoformat() if data.get("start") else None,
            "end": data["end"].isoformat() if data.get("end") else None,
            "trainees": data.get("trainees"),
            "pedagogical_cost": _s(data.get("pedagogical_cost")),
        }
        if plan:
            training["hours_per_trainee"] = _s(data.get("hours_per_trainee"))
            if data.get("pedagogy_kind") and data.get("modality") == Modality.PRESENTIEL:
                training["pedagogy_kind"] = data["pedagogy_kind"]
        else:
            training.update(mandate=data.get("mandate") or None, days=data.get("days"))
        payload = {
            "company": {"siret": data.get("siret") or None, "idcc": data.get("idcc") or None, "headcount": data.get("headcount")},
            "dispositif": data.get("dispositif") or None,
            "training": {k: v for k, v in training.items() if v is not None},
            "filed_on": data["filed_on"].isoformat() if data.get("filed_on") else None,
        }
        if data.get("hourly_pay") is not None:
            payload["pay"] = {"hourly_pay": _s(data["hourly_pay"])}
        if data.get("frais_amount") is not None:
            payload["frais"] = {
                "amount": _s(data["frais_amount"]),
                "km": data.get("frais_km") or 0,
                "nights": data.get("frais_nights") or 0,
                "meals": data.get("frais_meals") or 0,
            }
        if data.get("consumed_this_year") is not None:
            payload["consumed_this_year"] = _s(data["consumed_this_year"])
        return {k: v for k, v in payload.items() if v is not None}


class RequestForm(SimulatorForm):
    provider_siret = forms.CharField(label="SIRET de l'organisme de formation", max_length=20, required=False)
    subrogation = forms.BooleanField(label="Subrogation : l'OPCO paie l'organisme", required=False)
    trainee_name = forms.CharField(label="Membre du CSE formé (SSCT)", max_length=150, required=False)
    provider_approved = forms.BooleanField(label="Organisme certifié ou agréé pour la formation SSCT (L2315-17)", required=False)
    afest_project = forms.IntegerField(label="N° du projet AFEST", required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("filed_on", "consumed_this_year"):
            self.fields.pop(name)  # the OPCO's: the date received and the company's year

    def request_data(self) -> dict:
        data = self.payload()
        extra = self.cleaned_data
        if extra.get("provider_siret"):
            data["provider_siret"] = extra["provider_siret"]
        if extra.get("subrogation"):
            data["subrogation"] = True
        if data.get("dispositif") == Dispositif.SSCT:
            data["trainee_name"] = extra.get("trainee_name") or ""
            data["provider_approved"] = bool(extra.get("provider_approved"))
        if extra.get("afest_project"):
            data["afest_project"] = extra["afest_project"]
        return data


class RuleSetImportForm(StyledForm):
    file = forms.FileField(label="Fichier JSON du jeu de règles")


class ReasonForm(StyledForm):
    reason = forms.CharField(label="Motif", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class EvidenceForm(StyledForm):
    kind = forms.ChoiceField(
        label="Pièce (R6332-26)", choices=[c for c in EvidenceKind.choices if c[0] != EvidenceKind.AFEST_EVIDENCE]
    )
    received_on = forms.DateField(label="Reçue le", widget=DateWidget)
    amount = forms.DecimalField(label="Montant", required=False, **AMOUNT)
    hours_attended = forms.DecimalField(label="Heures réalisées par stagiaire", required=False, **AMOUNT)
    trainees_attended = forms.IntegerField(label="Stagiaires présents", required=False, min_value=0)
    reference = forms.CharField(label="Référence", required=False, max_length=100)


class CorrectionForm(StyledForm):
    new_due = forms.DecimalField(label="Nouveau montant dû", **AMOUNT)
    reason = forms.CharField(label="Motif", max_length=500)


class SplitForm(StyledForm):
    branch = forms.IntegerField(widget=forms.HiddenInput)
    year = forms.IntegerField(label="Année", min_value=2020, max_value=2100)
    q1 = forms.DecimalField(label="T1", **AMOUNT)
    q2 = forms.DecimalField(label="T2", **AMOUNT)
    q3 = forms.DecimalField(label="T3", **AMOUNT)
    q4 = forms.DecimalField(label="T4", **AMOUNT)


class PullForwardForm(StyledForm):
    branch = forms.IntegerField(widget=forms.HiddenInput)
    year = forms.IntegerField(label="Année", min_value=2020, max_value=2100)
    quarter = forms.IntegerField(label="Trimestre", min_value=1, max_value=4)
    amount = forms.DecimalField(label="Montant avancé", **AMOUNT)


class CofinancingForm(StyledForm):
    """A convention's share of an accepted request (sme_services.funding.cofinancing). The conventions
    offered are the convention envelopes payments knows (their key and name), this year's first."""

    scope_key = forms.ChoiceField(label="Convention")
    amount = forms.DecimalField(
        label="Montant pris en charge par la convention (€)", min_value=0, max_digits=14, decimal_places=2
    )
    public = forms.ChoiceField(label="Public", choices=())
    seniors = forms.IntegerField(label="Dont seniors", min_value=0, initial=0)
    women = forms.IntegerField(label="Dont femmes", min_value=0, initial=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from payments.models import Envelope, EnvelopeKind, Public

        envelopes = Envelope.objects.filter(kind=EnvelopeKind.CONVENTION).order_by("-year", "label")
        choices, seen = [], set()
        for key, label in envelopes.values_list("scope_key", "label"):
            if key not in seen:
                seen.add(key)
                choices.append((key, label or key))
        self.fields["scope_key"].choices = choices
        self.fields["public"].choices = Public.choices
