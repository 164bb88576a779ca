"""Forms of the conventions screens: they collect, the services decide (opco.forms.add_service_errors)."""

from django import forms

from branches.models import Branch
from conventions.enums import ConventionKind, FunderPaymentKind, IndicatorCode, PartyRole
from opco.forms import DateWidget, StyledForm
from payments.models import Public, SizeBand

MONEY = {"max_digits": 14, "decimal_places": 2}


class ConventionForm(StyledForm):
    title = forms.CharField(label="Intitulé", max_length=255)
    kind = forms.ChoiceField(label="Nature", choices=ConventionKind.choices)
    funder = forms.CharField(label="Financeur principal", max_length=255)
    legal_basis = forms.CharField(label="Base juridique", max_length=500)
    object = forms.CharField(label="Objet", widget=forms.Textarea(attrs={"rows": 3}))
    branches = forms.ModelMultipleChoiceField(
        label="Branches couvertes", queryset=Branch.objects.order_by("name"), required=False
    )
    all_branches = forms.BooleanField(label="Toutes les branches de l'OPCO", required=False)
    territories = forms.CharField(label="Territoires", max_length=500, initial="National")
    publics = forms.MultipleChoiceField(label="Publics", choices=Public.choices, widget=forms.CheckboxSelectMultiple)
    starts_on = forms.DateField(label="Début", widget=DateWidget())
    ends_on = forms.DateField(label="Fin", widget=DateWidget())
    de_minimis = forms.BooleanField(label="Aide relevant du régime de minimis", required=False)
    eligible_costs = forms.CharField(label="Coûts éligibles", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    max_hourly_cost = forms.DecimalField(label="Coût horaire plafond (€/h)", required=False, min_value=0, **MONEY)
    max_line_amount = forms.DecimalField(label="Prise en charge plafond par dossier (€)", required=False, min_value=0, **MONEY)
    max_months = forms.IntegerField(label="Durée maximale d'une action (mois)", required=False, min_value=1)
    reporting_months = forms.IntegerField(label="Fréquence des bilans (mois)", initial=12, min_value=1, max_value=60)
    unspent_rule = forms.CharField(
        label="Fonds non consommés", max_length=500, initial="Reversés au financeur au solde de la convention."
    )


class PartyForm(StyledForm):
    role = forms.ChoiceField(label="Rôle", choices=PartyRole.choices)
    name = forms.CharField(label="Partie", max_length=255)
    signatory = forms.CharField(label="Signataire", max_length=255, required=False)
    signatory_title = forms.CharField(label="Qualité du signataire", max_length=255, required=False)


class BudgetForm(StyledForm):
    year = forms.IntegerField(label="Année", min_value=2019, max_value=2100)
    funder = forms.CharField(label="Financeur", max_length=255)
    amount = forms.DecimalField(label="Montant (€)", min_value=0, **MONEY)


class RateForm(StyledForm):
    size_band = forms.ChoiceField(label="Tranche d'effectif", choices=SizeBand.choices)
    rate = forms.DecimalField(label="Taux (%)", min_value=0, max_value=100, max_digits=5, decimal_places=2, required=False)


class NpecRaiseForm(StyledForm):
    rncp = forms.CharField(label="Fiche RNCP", max_length=16)
    cpne_code = forms.CharField(label="Code CPNE", max_length=16, required=False)
    title = forms.CharField(label="Certification", max_length=500)
    amount = forms.DecimalField(label="Majoration annuelle (€)", min_value=0, **MONEY)
    applicable_from = forms.DateField(label="Applicable à partir du", widget=DateWidget())


class SignForm(StyledForm):
    signed_on = forms.DateField(label="Signée le", widget=DateWidget())


class AmendForm(StyledForm):
    signed_on = forms.DateField(label="Avenant signé le", widget=DateWidget())
    summary = forms.CharField(label="Objet de l'avenant", widget=forms.Textarea(attrs={"rows": 2}))
    ends_on = forms.DateField(label="Nouvelle date de fin", widget=DateWidget(), required=False)
    title = forms.CharField(label="Nouvel intitulé", max_length=255, required=False)
    budget_year = forms.IntegerField(label="Budget : année", required=False, min_value=2019, max_value=2100)
    budget_funder = forms.CharField(label="Budget : financeur", max_length=255, required=False)
    budget_amount = forms.DecimalField(label="Budget : nouveau montant (€)", required=False, min_value=0, **MONEY)
    max_hourly_cost = forms.DecimalField(label="Nouveau coût horaire plafond (€/h)", required=False, min_value=0, **MONEY)

    def clean(self):
        data = super().clean()
        budget = [data.get("budget_year"), data.get("budget_funder"), data.get("budget_amount")]
        if any(value not in (None, "") for value in budget) and not all(value not in (None, "") for value in budget):
            raise forms.ValidationError("Pour changer un budget, indiquez l'année, le financeur et le montant.")
        return data


class FunderPaymentForm(StyledForm):
    kind = forms.ChoiceField(label="Nature", choices=FunderPaymentKind.choices)
    label = forms.CharField(label="Libellé", max_length=255)
    due_on = forms.DateField(label="Attendu le", widget=DateWidget())
    amount_due = forms.DecimalField(label="Montant attendu (€)", min_value=0, **MONEY)


class MatchForm(StyledForm):
    received_on = forms.DateField(label="Reçu le", widget=DateWidget())
    amount = forms.DecimalField(label="Montant reçu (€)", min_value=0, **MONEY)
    bank_reference = forms.CharField(label="Référence du relevé bancaire", max_length=140)


class TargetForm(StyledForm):
    code = forms.ChoiceField(label="Indicateur", choices=IndicatorCode.choices)
    year = forms.IntegerField(label="Année", min_value=2019, max_value=2100)
    target = forms.DecimalField(label="Cible", min_value=0, max_digits=14, decimal_places=2)


class StatementForm(StyledForm):
    year = forms.IntegerField(label="Année", min_value=2019, max_value=2100)
