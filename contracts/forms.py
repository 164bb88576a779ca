from django import forms

from referentials.models import Certification, Company
from referentials.validators import normalize_identifier

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


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
    signature_date = forms.DateField(label="Date de conclusion", widget=DATE)
    start_date = forms.DateField(label="Début d'exécution", widget=DATE)
    end_date = forms.DateField(label="Fin prévue", widget=DATE)
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
    cfa_declared_on = forms.DateField(label="Déclaration d'activité du CFA enregistrée le", required=False, widget=DATE)
    shortened_duration = forms.BooleanField(label="Durée réduite par convention tripartite (+10 %)", required=False)
    rupture_date = forms.DateField(label="Date de rupture", required=False, widget=DATE)
    rupture_during_probation = forms.BooleanField(label="Rupture pendant les 45 premiers jours", required=False)
    after_previous_rupture = forms.BooleanField(label="Nouveau contrat après une rupture (L6222-18-2)", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.BooleanField):
                field.widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        rncp = normalize_identifier(data.get("rncp"))
        if rncp and not rncp.startswith("RNCP"):
            rncp = f"RNCP{rncp}"
        data["rncp"] = rncp
        self.certification = (
            Certification.objects.filter(rncp=rncp).exclude(level=None).order_by("-active").first() if rncp else None
        )
        if rncp and self.certification is None:
            self.add_error("rncp", f"La fiche {rncp} est absente du Kit apprentissage.")
        if not data.get("certification_level"):
            if self.certification:
                data["certification_level"] = self.certification.level
            else:
                self.add_error("certification_level", "Indiquez le niveau, ou une fiche RNCP connue.")
        siret = normalize_identifier(data.get("siret"))
        self.company = None
        if siret:
            self.company = Company.objects.select_related("idcc").filter(siret=siret).first()
            if self.company is None:
                self.add_error("siret", "Aucune entreprise enregistrée avec ce SIRET.")
            elif not data.get("idcc") and self.company.idcc:
                data["idcc"] = self.company.idcc.code
        return data

    def payload(self) -> dict:
        """The simulator's JSON input (FINANCING.md « Interface »)."""
        data = self.cleaned_data
        payload = {
            "signature_date": data["signature_date"].isoformat(),
            "start_date": data["start_date"].isoformat(),
            "end_date": data["end_date"].isoformat(),
            "certification_level": data["certification_level"],
            "shortened_duration": data["shortened_duration"],
            "rupture_during_probation": data["rupture_during_probation"],
            "after_previous_rupture": data["after_previous_rupture"],
        }
        for key in ("rncp", "idcc"):
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
