"""Forms of the reconversion screens. They validate types only: every rule is the services' own
(`contracts.reconversion`), whose refusals are shown next to the field they name."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from contracts.models.reconversion import ProAAmendment, ReconversionPeriod
from contracts.reconversion.pro_a import PRO_A_FIELDS, pro_a_amendment_record
from contracts.reconversion.rules import REFUSAL_REASONS, ReconversionRefused
from contracts.reconversion.services import DEPOSIT_FIELDS, reconversion_deposit
from opco.forms import DateWidget, StyledForm, add_service_errors


def _date_widget(field: models.Field, **kwargs):
    if isinstance(field, models.DateField):
        kwargs["widget"] = DateWidget()
    return field.formfield(**kwargs)


class ReconversionDepositForm(StyledForm):
    """A request typed in by staff from what the employer sent (R6324-1)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.refused_codes: list[str] = []

    def deposit(self, actor) -> ReconversionPeriod | None:
        data = {name: self.cleaned_data.get(name) for name in DEPOSIT_FIELDS}
        data = {name: value for name, value in data.items() if value not in (None, "")}
        try:
            return reconversion_deposit(actor=actor, data=data, received_on=self.cleaned_data.get("received_on"))
        except ReconversionRefused as exc:
            self.refused_codes = exc.codes
            add_service_errors(self, exc)
        except ValidationError as exc:
            add_service_errors(self, exc)
        return None


ReconversionDepositForm.base_fields = {
    **forms.fields_for_model(ReconversionPeriod, fields=DEPOSIT_FIELDS, formfield_callback=_date_widget),
    "received_on": forms.DateField(
        label="Demande reçue le", required=False, widget=DateWidget(), help_text="Aujourd'hui si vide."
    ),
}
for _name in ("host_siret", "host_name", "host_contract_kind", "target_code", "provider_name", "employer_idcc"):
    ReconversionDepositForm.base_fields[_name].required = False


class ProAAmendmentForm(StyledForm):
    def record(self, actor) -> ProAAmendment | None:
        data = {name: self.cleaned_data.get(name) for name in PRO_A_FIELDS}
        data = {name: value for name, value in data.items() if value not in (None, "")}
        try:
            return pro_a_amendment_record(actor=actor, data=data)
        except ValidationError as exc:
            add_service_errors(self, exc)
        return None


ProAAmendmentForm.base_fields = forms.fields_for_model(ProAAmendment, fields=PRO_A_FIELDS, formfield_callback=_date_widget)


# --- Actions of the detail page ---------------------------------------------------------------------
class RequestDocumentsForm(StyledForm):
    message = forms.CharField(label="Pièces ou informations demandées", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class DocumentsReceivedForm(StyledForm):
    on = forms.DateField(label="Pièces reçues le", required=False, widget=DateWidget(), help_text="Aujourd'hui si vide.")


class AcceptForm(StyledForm):
    allow_overrun = forms.BooleanField(
        label="Accepter malgré le dépassement de la dotation de la section « reconversion »", required=False
    )


class RefuseForm(StyledForm):
    codes = forms.MultipleChoiceField(
        label="Motifs",
        choices=[(code, code if code == label else f"{code} – {label}") for code, label in REFUSAL_REASONS.items()],
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    text = forms.CharField(
        label="Motivation notifiée aux parties (R6324-3)", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class StartForm(StyledForm):
    started_on = forms.DateField(label="Formation commencée le", widget=DateWidget())
    invoice_received_on = forms.DateField(label="Facture de l'organisme reçue le", widget=DateWidget())


class EndForm(StyledForm):
    ended_on = forms.DateField(label="Formation terminée le", widget=DateWidget())
    completion_attested_on = forms.DateField(label="Attestation de réalisation et facture finale reçues le", widget=DateWidget())


class InterruptForm(StyledForm):
    interrupted_on = forms.DateField(label="Interrompue le", widget=DateWidget())
    reported_on = forms.DateField(
        label="Signalée par l'employeur le", required=False, widget=DateWidget(), help_text="Aujourd'hui si vide."
    )
    reason = forms.CharField(label="Motif", max_length=500)


ACTION_FORMS = {
    "request_documents": RequestDocumentsForm,
    "documents_received": DocumentsReceivedForm,
    "accept": AcceptForm,
    "refuse": RefuseForm,
    "start": StartForm,
    "end": EndForm,
    "interrupt": InterruptForm,
}
