from django import forms

from opco.forms import DateWidget
from referentials.validators import normalize_identifier


def _rncp(value: str) -> str:
    code = normalize_identifier(value)
    if code.isdigit():
        code = f"RNCP{code}"
    if not code.startswith("RNCP") or not code[4:].isdigit():
        raise forms.ValidationError("Une fiche RNCP s'écrit RNCP suivi de chiffres (ex. RNCP38962).")
    return code


class NpecDecisionForm(forms.Form):
    rncp = forms.CharField(label="Fiche RNCP", max_length=16)
    cpne_code = forms.CharField(label="Code CPNE", max_length=16)
    amount = forms.DecimalField(
        label="NPEC annuel (€)",
        required=False,
        min_value=0,
        decimal_places=2,
        help_text="Laisser vide pour « NC » (non communiqué : valeur d'amorçage).",
    )
    applicable_from = forms.DateField(label="Date d'applicabilité", widget=DateWidget())
    status = forms.ChoiceField(label="Statut", choices=[("CPNE", "CPNE"), ("R", "R"), ("A", "A")])
    title = forms.CharField(label="Intitulé (facultatif)", max_length=500, required=False)

    def clean_rncp(self):
        return _rncp(self.cleaned_data["rncp"])


class NpecExemptionForm(forms.Form):
    rncp = forms.CharField(label="Fiche RNCP", max_length=16)
    title = forms.CharField(label="Intitulé", max_length=500, required=False)

    def clean_rncp(self):
        return _rncp(self.cleaned_data["rncp"])
