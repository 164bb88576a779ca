"""Forms of the proximity service's screens; the rules live in the services."""

from django import forms

from opco.forms import DateWidget, StyledForm
from sme_services.enums import (
    CseRole,
    DiagnosticKind,
    InteractionKind,
    InteractionOutcome,
    NeedOutcome,
    NeedRefusal,
    NeedSubject,
    PlanItemKind,
    ProviderKind,
)
from sme_services.models.needs import DESCRIPTION_MAX


class NeedForm(StyledForm):
    """The public form and the staff entry: SIRET, subject, description, contact."""

    siret = forms.CharField(label="SIRET de l'établissement", max_length=20)
    company_name = forms.CharField(label="Raison sociale", max_length=255, required=False)
    idcc_code = forms.CharField(label="Convention collective (IDCC, 4 chiffres)", max_length=4, required=False)
    headcount = forms.IntegerField(label="Effectif", min_value=0, max_value=1_000_000, required=False)
    postal_code = forms.CharField(label="Code postal", max_length=5, required=False)
    city = forms.CharField(label="Commune", max_length=128, required=False)
    subject = forms.ChoiceField(label="Sujet", choices=NeedSubject.choices)
    description = forms.CharField(label="Votre besoin", max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 5}))
    contact_name = forms.CharField(label="Votre nom", max_length=150)
    contact_email = forms.EmailField(label="Votre courriel", max_length=254)
    contact_phone = forms.CharField(label="Votre téléphone", max_length=20, required=False)


class PublicNeedForm(NeedForm):
    # A honeypot: hidden to people, filled by robots (the view stores nothing when it is).
    website = forms.CharField(label="Site web (laisser vide)", required=False, max_length=200)
    consent = forms.BooleanField(label="J'accepte d'être recontacté par un conseiller au sujet de ce besoin.")


class RefuseForm(StyledForm):
    reason = forms.ChoiceField(label="Motif", choices=NeedRefusal.choices)
    text = forms.CharField(label="Précision", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(StyledForm):
    outcome = forms.ChoiceField(label="Issue", choices=NeedOutcome.choices)
    comment = forms.CharField(label="Commentaire", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class InteractionForm(StyledForm):
    kind = forms.ChoiceField(label="Type", choices=InteractionKind.choices)
    occurred_on = forms.DateField(label="Date", widget=DateWidget())
    tags = forms.MultipleChoiceField(
        label="Sujets", choices=NeedSubject.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    summary = forms.CharField(label="Compte rendu", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(label="Résultat", choices=InteractionOutcome.choices)
    next_step = forms.CharField(label="Prochaine étape", required=False, max_length=255)
    next_step_on = forms.DateField(label="Prochaine étape le", required=False, widget=DateWidget())


class DiagnosticOpenForm(StyledForm):
    kind = forms.ChoiceField(label="Type de diagnostic", choices=DiagnosticKind.choices)


class DiagnosticFundingForm(StyledForm):
    provider_kind = forms.ChoiceField(label="Réalisé par", choices=ProviderKind.choices)
    consultant_name = forms.CharField(label="Consultant", required=False, max_length=200)
    consultant_siret = forms.CharField(label="SIRET du consultant", required=False, max_length=14)
    day_rate = forms.DecimalField(label="Prix de la journée (€)", required=False, min_value=0, max_digits=12, decimal_places=2)
    days = forms.DecimalField(label="Jours", required=False, min_value=0, max_digits=5, decimal_places=1)
    opco_amount = forms.DecimalField(label="Part OPCO (€)", min_value=0, max_digits=12, decimal_places=2, initial=0)
    state_amount = forms.DecimalField(
        label="Part État – prestation de conseil RH (€)", min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    rome_codes = forms.CharField(label="Métiers ROME (codes séparés par des virgules)", required=False, max_length=500)
    deliverable = forms.CharField(
        label="Livrable (synthèse remise)", required=False, max_length=8000, widget=forms.Textarea(attrs={"rows": 4})
    )


class PlanItemForm(StyledForm):
    title = forms.CharField(label="Action", max_length=255)
    kind = forms.ChoiceField(label="Débouche sur", choices=PlanItemKind.choices)
    due_on = forms.DateField(label="Échéance", required=False, widget=DateWidget())


class ContactForm(StyledForm):
    full_name = forms.CharField(label="Nom et prénom", max_length=150)
    role = forms.CharField(label="Fonction", max_length=128, required=False)
    email = forms.EmailField(label="Courriel", required=False)
    phone = forms.CharField(label="Téléphone", max_length=20, required=False)
    primary = forms.BooleanField(label="Contact principal", required=False)


class CseMemberForm(StyledForm):
    full_name = forms.CharField(label="Nom et prénom", max_length=150)
    role = forms.ChoiceField(label="Qualité", choices=CseRole.choices)
    mandate_start = forms.DateField(label="Début du mandat", widget=DateWidget())
    last_training_on = forms.DateField(label="Dernière formation SSCT", required=False, widget=DateWidget())


class HeadcountForm(StyledForm):
    headcount = forms.IntegerField(label="Effectif", min_value=0, max_value=1_000_000)
    as_of = forms.DateField(label="Au", widget=DateWidget())
    source = forms.CharField(label="Source", required=False, max_length=128)


class CompanyCreateForm(StyledForm):
    siret = forms.CharField(label="SIRET", max_length=20)
    name = forms.CharField(label="Raison sociale", max_length=255)
    idcc_code = forms.CharField(label="IDCC", max_length=4, required=False)
    headcount = forms.IntegerField(label="Effectif", min_value=0, required=False)
    postal_code = forms.CharField(label="Code postal", max_length=5, required=False)
    city = forms.CharField(label="Commune", max_length=128, required=False)


class ReassignForm(StyledForm):
    advisor = forms.ModelChoiceField(label="Nouveau conseiller", queryset=None)
    reason = forms.CharField(label="Motif", max_length=200)

    def __init__(self, *args, **kwargs):
        from accounts.enums import UserKind
        from accounts.models import User

        super().__init__(*args, **kwargs)
        self.fields["advisor"].queryset = User.objects.filter(kind=UserKind.ADVISOR, is_active=True)


class SurveyForm(StyledForm):
    recontacted = forms.TypedChoiceField(
        label="Avez-vous été recontacté ?",
        choices=[("1", "Oui"), ("0", "Non")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    useful = forms.TypedChoiceField(
        label="L'échange a-t-il été utile ?",
        choices=[("1", "Oui"), ("0", "Non")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label="Un commentaire ?", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
