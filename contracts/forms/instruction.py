from django import forms
from django.core.exceptions import ValidationError

from contracts.enums import AmendmentType, DocumentKind, RuptureCause
from opco.forms import DateWidget, StyledForm
from referentials.validators import normalize_identifier


class SimulationForm(forms.Form):
    """The staff page of the simulator; it builds the same payload as the API and the command."""

    rncp = forms.CharField(
        label="Certification (fiche RNCP)",
        max_length=16,
        required=False,
        help_text="Ex. RNCP38962 ; le niveau et le NPEC du référentiel en découlent.",
    )
    certification_level = forms.TypedChoiceField(
        label="Niveau",
        coerce=int,
        required=False,
        choices=[("", "Niveau de la certification")] + [(n, f"Niveau {n}") for n in range(3, 9)],
    )
    idcc = forms.CharField(label="IDCC de l'employeur", max_length=4, required=False)
    siret = forms.CharField(label="ou SIRET de l'entreprise", max_length=20, required=False)
    signature_date = forms.DateField(label="Date de conclusion", widget=DateWidget())
    start_date = forms.DateField(label="Début d'exécution", widget=DateWidget())
    end_date = forms.DateField(label="Fin prévue", widget=DateWidget())
    npec = forms.DecimalField(
        label="NPEC annuel (si connu)",
        required=False,
        min_value=0,
        decimal_places=2,
        help_text="Laisser vide pour prendre celui du référentiel.",
    )
    distance_learning_share = forms.DecimalField(
        label="Part de formation à distance (%)", required=False, min_value=0, max_value=100, decimal_places=2
    )
    rqth_majoration = forms.DecimalField(label="Majoration RQTH annuelle (€)", required=False, min_value=0, decimal_places=2)
    nights = forms.IntegerField(label="Frais annexes 1re année : nuitées", required=False, min_value=0)
    meals = forms.IntegerField(label="Frais annexes 1re année : repas", required=False, min_value=0)
    first_equipment = forms.DecimalField(label="Premier équipement (€)", required=False, min_value=0, decimal_places=2)
    cfa_declared_on = forms.DateField(label="Déclaration d'activité du CFA enregistrée le", required=False, widget=DateWidget())
    shortened_duration = forms.BooleanField(label="Durée réduite par convention tripartite (+10 %)", required=False)
    rupture_date = forms.DateField(label="Date de rupture", required=False, widget=DateWidget())
    rupture_during_probation = forms.BooleanField(label="Rupture pendant les 45 premiers jours", required=False)
    after_previous_rupture = forms.BooleanField(label="Nouveau contrat après une rupture (L6222-18-2)", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.BooleanField):
                field.widget.attrs["class"] = "form-check-input"

    def payload(self) -> dict:
        """The simulator's JSON input (FINANCING.md « Interface »)."""
        data = self.cleaned_data
        payload = {
            "signature_date": data["signature_date"].isoformat(),
            "start_date": data["start_date"].isoformat(),
            "end_date": data["end_date"].isoformat(),
            "shortened_duration": data["shortened_duration"],
            "rupture_during_probation": data["rupture_during_probation"],
            "after_previous_rupture": data["after_previous_rupture"],
        }
        for key in ("rncp", "idcc", "siret", "certification_level"):
            if data.get(key):
                payload[key] = data[key]
        for key in ("npec", "rqth_majoration"):
            if data.get(key) is not None:
                payload[key] = str(data[key])
        if data.get("distance_learning_share") is not None:
            payload["distance_learning_share"] = str(data["distance_learning_share"] / 100)
        for key in ("cfa_declared_on", "rupture_date"):
            if data.get(key):
                payload[key] = data[key].isoformat()
        if any(data.get(k) for k in ("nights", "meals", "first_equipment")):
            payload["frais_annexes"] = [
                {
                    "year": 1,
                    "nights": data.get("nights") or 0,
                    "meals": data.get("meals") or 0,
                    "first_equipment": str(data.get("first_equipment") or 0),
                }
            ]
        return payload


# --- Instruction screens ----------------------------------------------------------------------------


class RequestDocumentsForm(StyledForm):
    message = forms.CharField(label="Pièces ou informations demandées", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class DocumentsReceivedForm(StyledForm):
    on = forms.DateField(label="Dossier complet le", required=False, widget=DateWidget(), help_text="Aujourd'hui si vide.")


class AcceptForm(StyledForm):
    warnings_acknowledged = forms.BooleanField(
        label="J'ai examiné les contrôles « à examiner » et confirme l'acceptation", required=False
    )
    budget_overrun_acknowledged = forms.BooleanField(
        label="Accepter au-delà de la dotation de la section financière (responsable seulement)", required=False
    )


class RefuseForm(StyledForm):
    codes = forms.MultipleChoiceField(
        label="Contrôles en cause", required=False, choices=(), widget=forms.SelectMultiple(attrs={"size": 5})
    )
    text = forms.CharField(label="Motif", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)

    def __init__(self, *args, error_codes=(), **kwargs):
        from contracts.alternance.checks import CHECKS

        super().__init__(*args, **kwargs)
        # The codes in error come first, marked; every code may be cited.
        codes = [code for code, _ in CHECKS]
        ordered = [c for c in codes if c in error_codes] + [c for c in codes if c not in error_codes]
        self.fields["codes"].choices = [(c, f"{c} (bloquant)" if c in error_codes else c) for c in ordered]
        self.fields["codes"].initial = list(error_codes)


class DecaForm(StyledForm):
    deca_number = forms.CharField(label="N° DECA", max_length=32)


class RuptureForm(StyledForm):
    rupture_date = forms.DateField(label="Date de rupture (dernier jour)", widget=DateWidget())
    cause = forms.ChoiceField(label="Cause", choices=RuptureCause.choices)
    during_probation = forms.BooleanField(label="Dans les 45 premiers jours de formation pratique", required=False)


class AmendForm(StyledForm):
    amendment_type = forms.ChoiceField(label="Type d'avenant", choices=AmendmentType.choices)
    effective_on = forms.DateField(label="Date d'effet", widget=DateWidget())
    end_date = forms.DateField(label="Nouvelle fin prévue", required=False, widget=DateWidget())
    rncp = forms.CharField(label="Nouvelle fiche RNCP", required=False, max_length=16)
    level = forms.TypedChoiceField(
        label="Nouveau niveau", required=False, coerce=int, empty_value=None, choices=[("", "—")] + [(n, n) for n in range(3, 9)]
    )

    def changes(self) -> dict:
        data = self.cleaned_data
        changes = {}
        if data.get("end_date"):
            changes["end_date"] = data["end_date"].isoformat()
        rncp = normalize_identifier(data.get("rncp"))
        if rncp:
            changes["rncp"] = rncp if rncp.startswith("RNCP") else f"RNCP{rncp}"
        if data.get("level") is not None:
            changes["level"] = data["level"]
        return changes


class DocumentForm(StyledForm):
    kind = forms.ChoiceField(label="Nature", choices=DocumentKind.choices)
    file = forms.FileField(
        label="Fichier (PDF, JPEG ou PNG, 10 Mo au plus)",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )

    def clean_file(self):
        from contracts.alternance.documents import document_content_type

        upload = self.cleaned_data["file"]
        try:
            document_content_type(upload)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["file"])
        return upload


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label="Gestionnaire", queryset=None, empty_label="Choisir un gestionnaire")

    def __init__(self, *args, **kwargs):
        from contracts.filtersets import gestionnaires

        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = gestionnaires()


class ProfessionalisationSimulationForm(forms.Form):
    """The staff page of the professionalisation simulator: the keys of the API's payload
    (`"contrat": "professionnalisation"`), field by field."""

    signature_date = forms.DateField(label="Date de conclusion", widget=DateWidget())
    start_date = forms.DateField(label="Début d'exécution", widget=DateWidget())
    end_date = forms.DateField(label="Fin du contrat ou de l'action", widget=DateWidget())
    heures_formation = forms.DecimalField(label="Heures de formation", min_value=0, decimal_places=2)
    idcc = forms.CharField(label="IDCC de l'employeur", max_length=4, required=False, help_text="Pour le forfait de la branche.")
    forfait_horaire = forms.DecimalField(
        label="Forfait horaire (€/h, si connu)",
        required=False,
        min_value=0,
        decimal_places=2,
        help_text="Laisser vide : forfait de la branche, sinon 9,15 €/h (15 €/h public prioritaire ou GEIQ).",
    )
    public_prioritaire = forms.BooleanField(label="Public prioritaire (L6325-1-1)", required=False)
    geiq = forms.BooleanField(label="Parcours GEIQ", required=False)
    tuteur_age = forms.IntegerField(label="Âge du tuteur", required=False, min_value=18, max_value=99)
    tuteur_formation_heures = forms.DecimalField(
        label="Formation du tuteur (heures)", required=False, min_value=0, decimal_places=2, help_text="15 €/h, 40 h au plus."
    )
    tutorat_mois = forms.IntegerField(
        label="Mois de tutorat", required=False, min_value=0, max_value=120, help_text="230 €/mois, 6 mois au plus."
    )
    rupture_date = forms.DateField(label="Date de rupture", required=False, widget=DateWidget())

    def payload(self) -> dict:
        data = self.cleaned_data
        payload = {
            "contrat": "professionnalisation",
            "signature_date": data["signature_date"].isoformat(),
            "start_date": data["start_date"].isoformat(),
            "end_date": data["end_date"].isoformat(),
            "heures_formation": str(data["heures_formation"]),
            "public_prioritaire": data["public_prioritaire"],
            "geiq": data["geiq"],
        }
        if data.get("idcc"):
            payload["idcc"] = data["idcc"].strip()
        if data.get("forfait_horaire") is not None:
            payload["forfait_horaire"] = str(data["forfait_horaire"])
        tutor = {}
        if data.get("tuteur_age") is not None:
            tutor["age"] = data["tuteur_age"]
        if data.get("tuteur_formation_heures") is not None:
            tutor["formation_heures"] = str(data["tuteur_formation_heures"])
        if tutor:
            payload["tuteur"] = tutor
        if data.get("tutorat_mois"):
            payload["tutorat_mois"] = data["tutorat_mois"]
        return payload
