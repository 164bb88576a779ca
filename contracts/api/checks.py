"""POST /api/v1/apprenticeship-contracts/check/ — the instruction checks of CHECKS.md, for staff.

The serializers below document the payload and the report; reading and checking are the service's
own (`contracts.alternance.checks.check_contract_data`), shared with the command. Nothing is stored.
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts import roles
from contracts.alternance.check_runs import check_payload
from contracts.alternance.checks import CHECKS
from contracts.alternance.payload import AGE_DEROGATIONS, InvalidPayload
from contracts.api.simulations import ErrorSerializer
from contracts.professionalisation.checks import PRO_CHECKS
from opco.api.views import ApiView
from opco.checks import CheckStatus


class AddressSerializer(serializers.Serializer):
    numero = serializers.CharField(required=False)
    voie = serializers.CharField(required=False)
    code_postal = serializers.CharField(required=False)
    commune = serializers.CharField(required=False)


class EmployerSerializer(serializers.Serializer):
    siret = serializers.CharField()
    denomination = serializers.CharField(required=False)
    naf = serializers.CharField(required=False)
    idcc = serializers.CharField(required=False, help_text="Complété à 4 chiffres (« 843 » = « 0843 »).")
    effectif = serializers.IntegerField(required=False, min_value=0)
    adresse = AddressSerializer(required=False)
    courriel = serializers.EmailField(required=False, help_text="Où l'OPCO adresse ses courriers à l'employeur.")


class ApprenticeSerializer(serializers.Serializer):
    date_naissance = serializers.DateField()
    nom = serializers.CharField(required=False)
    prenom = serializers.CharField(required=False)
    nir = serializers.CharField(required=False, allow_null=True, help_text="Vérifié, jamais renvoyé ni conservé.")
    handicap = serializers.BooleanField(required=False)
    premier_cycle_acheve = serializers.BooleanField(required=False)
    projet_creation_reprise_entreprise = serializers.BooleanField(required=False)
    sportif_haut_niveau = serializers.BooleanField(required=False)
    derogation_age = serializers.ChoiceField(choices=AGE_DEROGATIONS, required=False, allow_null=True)
    precedent_contrat_fin = serializers.DateField(required=False, allow_null=True)


class MasterSerializer(serializers.Serializer):
    nom = serializers.CharField(required=False)
    prenom = serializers.CharField(required=False)
    date_naissance = serializers.DateField(required=False)
    diplome_niveau = serializers.IntegerField(required=False, min_value=1, max_value=8)
    diplome_meme_domaine = serializers.BooleanField(required=False)
    experience_annees = serializers.DecimalField(max_digits=4, decimal_places=1, required=False)


class TrainingSerializer(serializers.Serializer):
    rncp = serializers.CharField()
    niveau = serializers.IntegerField(min_value=1, max_value=8)
    date_debut = serializers.DateField()
    duree_heures = serializers.DecimalField(max_digits=9, decimal_places=2)
    code_diplome = serializers.CharField(required=False)
    intitule = serializers.CharField(required=False)
    date_fin = serializers.DateField(required=False)
    distance_pct = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)


class CfaSerializer(serializers.Serializer):
    siret = serializers.CharField()
    uai = serializers.CharField()
    denomination = serializers.CharField(required=False)
    qualiopi = serializers.BooleanField(required=False)
    declaration_activite_date = serializers.DateField(required=False)
    courriel = serializers.EmailField(required=False, help_text="Où l'OPCO adresse ses avis de paiement.")


class PayPeriodSerializer(serializers.Serializer):
    date_debut = serializers.DateField()
    date_fin = serializers.DateField()
    taux = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="Pourcentage du SMIC.")


class ContractTermsSerializer(serializers.Serializer):
    date_conclusion = serializers.DateField()
    date_debut = serializers.DateField()
    date_fin = serializers.DateField()
    date_debut_formation_pratique = serializers.DateField()
    duree_hebdo_heures = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    salaire_brut_mensuel_embauche = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, help_text="Comparé exactement au minimum légal (D6222-26)."
    )
    classification = serializers.CharField(required=False, help_text="Classification de l'emploi (grille de la branche).")
    coefficient = serializers.CharField(required=False, help_text="Coefficient hiérarchique (grille de la branche).")
    remunerations = PayPeriodSerializer(many=True)


class ContractPayloadSerializer(serializers.Serializer):
    """The deposit payload (CHECKS.md), keys of the CERFA FA13 blocks."""

    type_contrat = serializers.CharField(required=False)
    recu_le = serializers.DateField(required=False, help_text="Réception par l'OPCO ; à défaut, la date du jour.")
    courriel_deposant = serializers.EmailField(required=False, help_text="Où l'OPCO répond au déposant.")
    employeur = EmployerSerializer()
    apprenti = ApprenticeSerializer()
    maitres_apprentissage = MasterSerializer(many=True)
    formation = TrainingSerializer()
    cfa = CfaSerializer()
    contrat = ContractTermsSerializer()


class CheckResultSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=sorted({code for code, _ in (*CHECKS, *PRO_CHECKS)}))
    status = serializers.ChoiceField(choices=CheckStatus.values)
    message = serializers.CharField()


class CheckReportSerializer(serializers.Serializer):
    eligible = serializers.BooleanField(help_text="Vrai quand aucun contrôle n'est en erreur.")
    checks = CheckResultSerializer(many=True)


EXAMPLE_PAYLOAD = {
    "type_contrat": "11",
    "employeur": {"siret": "00123456600014", "idcc": "0843"},
    "apprenti": {"date_naissance": "2007-03-14", "premier_cycle_acheve": True},
    "maitres_apprentissage": [
        {
            "nom": "Martin",
            "prenom": "Claire",
            "date_naissance": "1980-05-02",
            "diplome_niveau": 5,
            "diplome_meme_domaine": True,
            "experience_annees": 3,
        }
    ],
    "formation": {"rncp": "RNCP37566", "niveau": 3, "date_debut": "2025-09-08", "duree_heures": 840},
    "cfa": {"siret": "44492238900036", "uai": "0142321X", "qualiopi": True},
    "contrat": {
        "date_conclusion": "2025-08-25",
        "date_debut": "2025-09-01",
        "date_fin": "2027-08-31",
        "date_debut_formation_pratique": "2025-09-01",
        "remunerations": [
            {"date_debut": "2025-09-01", "date_fin": "2026-08-31", "taux": 43},
            {"date_debut": "2026-09-01", "date_fin": "2027-08-31", "taux": 51},
        ],
    },
    "recu_le": "2025-09-02",
}


class ContractCheckView(ApiView):
    """Runs every check of CHECKS.md on a deposit payload and answers the report."""

    allowed_roles = (roles.STAFF,)

    @extend_schema(
        summary="Contrôler un contrat d'apprentissage avant instruction",
        description=(
            "Chaque contrôle (code stable) répond « ok », « warning » ou « error » avec un message en français ; "
            "le contrat est éligible quand aucun n'est en erreur. Rien n'est enregistré."
        ),
        request=ContractPayloadSerializer,
        responses={200: CheckReportSerializer, 400: ErrorSerializer},
        examples=[OpenApiExample("Premier contrat, deux ans, niveau 3", value=EXAMPLE_PAYLOAD, request_only=True)],
    )
    def post(self, request):
        try:
            report = check_payload(request.data, today=timezone.localdate())
        except InvalidPayload as exc:
            return Response({"errors": exc.errors}, status=400)
        return Response(report.as_dict())
