"""Forms of the certification screens: they shape input, the services decide (add_service_errors)."""

from django import forms

from branches.certifications.enums import (
    CandidateResult,
    CpneRole,
    CriterionState,
    HabilitationScope,
    ProjectKind,
    Recommendation,
    Repertoire,
)
from opco.forms import DateWidget, StyledForm

LEVELS = [("", "—")] + [(str(n), f"Niveau {n}") for n in range(1, 9)]


def _level(value):
    return int(value) if value not in (None, "") else None


class ProjectCreateForm(StyledForm):
    branch = forms.ModelChoiceField(label="Branche", queryset=None)
    title = forms.CharField(label="Intitulé", max_length=255)
    kind = forms.ChoiceField(label="Nature", choices=ProjectKind.choices[:2])
    repertoire = forms.ChoiceField(label="Répertoire visé", choices=Repertoire.choices, required=False)
    level = forms.TypedChoiceField(label="Niveau", choices=LEVELS, coerce=_level, empty_value=None, required=False)

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches


class ProjectForm(StyledForm):
    title = forms.CharField(label="Intitulé", max_length=255)
    repertoire = forms.ChoiceField(label="Répertoire visé", choices=Repertoire.choices, required=False)
    simplified = forms.BooleanField(label="Procédure simplifiée (métier en émergence, R6113-10)", required=False)
    level = forms.TypedChoiceField(label="Niveau", choices=LEVELS, coerce=_level, empty_value=None, required=False)
    need = forms.CharField(label="Besoin identifié", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    evidence = forms.CharField(label="Éléments de l'observatoire", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    rome_codes = forms.CharField(label="Métiers visés (codes ROME, séparés par des virgules)", max_length=255, required=False)
    cpne_decision_on = forms.DateField(label="Décision de la CPNE le", widget=DateWidget(), required=False)
    cpne_decision = forms.CharField(label="Décision de la CPNE", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    activities_framework = forms.CharField(
        label="Référentiel d'activités", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    skills_framework = forms.CharField(
        label="Référentiel de compétences", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    assessment_framework = forms.CharField(
        label="Référentiel d'évaluation", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    rights_holder = forms.CharField(label="Détenteur des droits (L6113-4)", max_length=255, required=False)
    rights_holder_siren = forms.CharField(label="SIREN du détenteur", max_length=9, required=False)
    cohorts = forms.IntegerField(label="Promotions de titulaires analysées", min_value=0, max_value=50)
    honour_check_on = forms.DateField(
        label="Date du bulletin n° 3 des dirigeants (R6113-14)", widget=DateWidget(), required=False
    )


class BlocForm(StyledForm):
    code = forms.CharField(label="Code du bloc", max_length=16)
    title = forms.CharField(label="Intitulé", max_length=255)
    level = forms.TypedChoiceField(label="Niveau", choices=LEVELS, coerce=_level, empty_value=None, required=False)
    skills = forms.CharField(label="Compétences", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    assessment = forms.CharField(label="Modalités d'évaluation", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CriterionForm(StyledForm):
    code = forms.CharField(widget=forms.HiddenInput)
    state = forms.ChoiceField(label="État", choices=CriterionState.choices)
    evidence = forms.CharField(label="Justificatif", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RegisterForm(StyledForm):
    rncp_code = forms.CharField(label="Code de la fiche (RNCP… ou RS…)", max_length=16)
    decided_on = forms.DateField(label="Décision du", widget=DateWidget())
    registered_from = forms.DateField(label="Enregistré à compter du", widget=DateWidget())
    registration_ends_on = forms.DateField(label="Date d'échéance", widget=DateWidget())
    publication_reference = forms.CharField(label="Publication au Journal officiel", max_length=255)


class RefuseForm(StyledForm):
    decided_on = forms.DateField(label="Décision du", widget=DateWidget())
    refusal_text = forms.CharField(label="Motif", widget=forms.Textarea(attrs={"rows": 2}))


class ReviewRequestForm(StyledForm):
    reviewer = forms.ModelChoiceField(label="Avis demandé à", queryset=None)
    question = forms.CharField(label="Question", widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(label="Avis attendu le", widget=DateWidget())

    def __init__(self, *args, reviewers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = reviewers


class ReviewAnswerForm(StyledForm):
    recommendation = forms.ChoiceField(label="Recommandation", choices=Recommendation.choices)
    opinion = forms.CharField(label="Avis", widget=forms.Textarea(attrs={"rows": 3}))
    confidential_note = forms.CharField(
        label="Note confidentielle (personnel de l'OPCO)", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not staff:
            del self.fields["confidential_note"]


class HabilitationForm(StyledForm):
    siret = forms.CharField(label="SIRET", max_length=17)
    name = forms.CharField(label="Organisme", max_length=255)
    scope = forms.ChoiceField(label="Périmètre", choices=HabilitationScope.choices)
    starts_on = forms.DateField(label="Habilité du", widget=DateWidget())
    ends_on = forms.DateField(label="Au", widget=DateWidget())


class SessionForm(StyledForm):
    label = forms.CharField(label="Session", max_length=255)
    jury_on = forms.DateField(label="Jury le", widget=DateWidget())
    habilitation = forms.ModelChoiceField(label="Organisme habilité", queryset=None, required=False)

    def __init__(self, *args, habilitations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["habilitation"].queryset = habilitations


class CandidateForm(StyledForm):
    last_name = forms.CharField(label="Nom de naissance", max_length=128)
    first_name = forms.CharField(label="Prénom", max_length=128)
    birth_date = forms.DateField(label="Date de naissance", widget=DateWidget())
    sex = forms.ChoiceField(label="Sexe", choices=[("F", "Femme"), ("M", "Homme")])
    # A password input: the NIR is never echoed back into the page.
    nir = forms.CharField(label="NIR (transmis au seul SI du CPF)", max_length=21, required=False, widget=forms.PasswordInput)
    email = forms.EmailField(label="Courriel", required=False)


class ResultForm(StyledForm):
    result = forms.ChoiceField(label="Résultat", choices=CandidateResult.choices)
    blocs = forms.ModelMultipleChoiceField(
        label="Blocs validés", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, blocs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["blocs"].queryset = blocs


class SurveyForm(StyledForm):
    sent_on = forms.DateField(label="Transmises le", widget=DateWidget())
    holders_surveyed = forms.IntegerField(label="Titulaires interrogés", min_value=0)
    holders_employed = forms.IntegerField(label="Titulaires en emploi", min_value=0)
    notes = forms.CharField(label="Observations", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class SeatForm(StyledForm):
    user = forms.ModelChoiceField(label="Représentant de la branche", queryset=None)
    role = forms.ChoiceField(label="Rôle dans la CPNE", choices=CpneRole.choices)
    college = forms.ChoiceField(
        label="Collège", choices=[("", "—"), ("employer", "Employeurs"), ("employee", "Salariés")], required=False
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = members
