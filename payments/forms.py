"""Forms of the payments screens: they read what staff type; the services decide (and refuse)."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone

from branches.models import Branch
from opco.forms import DateWidget
from payments.enums import FinancialSection

# ISO 20022 return reasons banks send most often for a SEPA credit transfer (ExternalStatusReason1Code).
RETURN_REASONS = [
    ("AC01", "AC01 — IBAN incorrect"),
    ("AC04", "AC04 — Compte clôturé"),
    ("AC06", "AC06 — Compte bloqué"),
    ("AG01", "AG01 — Opération interdite sur ce compte"),
    ("AM04", "AM04 — Provision insuffisante"),
    ("AM05", "AM05 — Opération en double"),
    ("BE04", "BE04 — Adresse du bénéficiaire absente ou incorrecte"),
    ("MD07", "MD07 — Titulaire du compte décédé"),
    ("MS02", "MS02 — Motif non communiqué par le bénéficiaire"),
    ("MS03", "MS03 — Motif non communiqué par la banque"),
    ("RC01", "RC01 — BIC incorrect"),
    ("RR01", "RR01 — Informations réglementaires manquantes"),
]
REASON_LABELS = {code: label.split(" — ", 1)[1] for code, label in RETURN_REASONS}
MAX_PAIN002_BYTES = 10 * 1024 * 1024
DATE_ATTRS = {"class": "form-control"}


class PrepareRunForm(forms.Form):
    execution_date = forms.DateField(label="Date d'exécution", widget=DateWidget(DATE_ATTRS))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["execution_date"].initial = timezone.localdate()


class BankReturnForm(forms.Form):
    reason_code = forms.CharField(
        label="Code motif ISO 20022",
        max_length=4,
        help_text="Quatre caractères, par exemple AC01, AC04, AM04, MD07.",
        widget=forms.TextInput(attrs={"class": "form-control", "list": "return-reasons", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label="Motif",
        max_length=255,
        required=False,
        help_text="Tel que la banque l'a communiqué ; pour un code connu, son libellé s'il est laissé vide.",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def clean_reason_code(self):
        code = self.cleaned_data["reason_code"].strip().upper()
        if not re.fullmatch(r"[A-Z0-9]{4}", code):
            raise forms.ValidationError("Un code motif ISO 20022 a quatre lettres ou chiffres (ex. AC04).")
        return code

    def clean(self):
        cleaned = super().clean()
        code, reason = cleaned.get("reason_code"), (cleaned.get("reason") or "").strip()
        if code and not reason:
            if code not in REASON_LABELS:
                self.add_error("reason", "Indiquez le motif communiqué par la banque pour ce code.")
            else:
                reason = REASON_LABELS[code]
        cleaned["reason"] = reason
        return cleaned


class Pain002Form(forms.Form):
    file = forms.FileField(
        label="Compte rendu pain.002 de la banque",
        help_text=f"Fichier XML pain.002 ; {MAX_PAIN002_BYTES // (1024 * 1024)} Mo au plus.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xml", "class": "form-control"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_PAIN002_BYTES:
            raise forms.ValidationError(f"Le fichier dépasse {MAX_PAIN002_BYTES // (1024 * 1024)} Mo.")
        return upload


class AccountCorrectionForm(forms.Form):
    """The service normalises and validates (schwifty); the form only carries the values."""

    iban = forms.CharField(label="IBAN corrigé", max_length=42, widget=forms.TextInput(attrs={"class": "form-control"}))
    bic = forms.CharField(label="BIC", max_length=14, required=False, widget=forms.TextInput(attrs={"class": "form-control"}))


# --- Envelopes: financial sections (L6332-3), branch quarters -------------------------------------
def _parse_amount(text: str):
    """« 1 000 000,50 », « 1000000.50 » → Decimal; spaces (also non-breaking) between thousands."""
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text or "").replace("€", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise forms.ValidationError("Saisissez un montant en euros, par exemple 1 250 000,00.") from None
    if not value.is_finite():
        raise forms.ValidationError("Saisissez un montant en euros, par exemple 1 250 000,00.")
    return value


class BudgetYearForm(forms.Form):
    """The dashboard's selectors (GET): the year and, for the monthly figures, one section or all."""

    annee = forms.TypedChoiceField(label="Année", coerce=int, widget=forms.Select(attrs={"class": "form-select"}))
    section = forms.ChoiceField(label="Section", required=False, widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annee"].choices = [(year, str(year)) for year in years]
        self.fields["section"].choices = [("", "Les trois sections"), *FinancialSection.choices]


class SectionBudgetForm(forms.Form):
    """The form reads what is typed; `payments.budgets.section_budget_set` decides (and refuses)."""

    year = forms.IntegerField(label="Année", widget=forms.NumberInput(attrs={"class": "form-control"}))
    section = forms.ChoiceField(label="Section financière", widget=forms.Select(attrs={"class": "form-select"}))
    amount = forms.CharField(
        label="Dotation (€)",
        max_length=32,
        help_text="Par exemple 1 250 000,00.",
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal", "autocomplete": "off"}),
    )
    source = forms.CharField(
        label="Origine de la dotation",
        max_length=255,
        required=False,
        help_text="Par exemple « Dotation France compétences notifiée le 15/01/2026 ».",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = FinancialSection.choices

    def clean_amount(self):
        return _parse_amount(self.cleaned_data["amount"])


class BranchEnvelopeForm(forms.Form):
    """A branch's envelope for a quarter of a section (plan < 50 by default). The form reads what is
    typed; `payments.budgets.branch_envelope_set` decides (and refuses)."""

    branch = forms.ModelChoiceField(
        label="Branche", queryset=Branch.objects.order_by("name"), widget=forms.Select(attrs={"class": "form-select"})
    )
    section = forms.ChoiceField(
        label="Section financière",
        choices=FinancialSection.choices,
        initial=FinancialSection.PLAN_UNDER_50,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    year = forms.IntegerField(label="Année", widget=forms.NumberInput(attrs={"class": "form-control"}))
    quarter = forms.TypedChoiceField(
        label="Trimestre",
        coerce=int,
        choices=[
            (1, "1er trimestre (janvier à mars)"),
            (2, "2e trimestre (avril à juin)"),
            (3, "3e trimestre (juillet à septembre)"),
            (4, "4e trimestre (octobre à décembre)"),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    amount = forms.CharField(
        label="Enveloppe du trimestre (€)",
        max_length=32,
        help_text="Par exemple 125 000,00.",
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal", "autocomplete": "off"}),
    )
    source = forms.CharField(
        label="Origine de l'enveloppe",
        max_length=255,
        required=False,
        help_text="Par exemple « Répartition votée par la CPNE le 12/01/2026 ».",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def clean_amount(self):
        return _parse_amount(self.cleaned_data["amount"])
