"""The NPEC round (D6332-78 to D6332-79-1): France compétences publishes recommendations, each
branch's CPNE proposes its levels within the legal delay, the OPCO reviews and transmits them."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from branches.models import Branch, Cpne

MONEY = {"max_digits": 10, "decimal_places": 2}


class NpecCampaign(models.Model):
    """A publication of France compétences' recommendations in its bulletin officiel."""

    class Kind(models.TextChoices):
        RECOMMENDATION = "recommandation", "Recommandations (D6332-78-1 II, D6332-79 II : 3 mois)"
        REVISION = "revision", "Révision (D6332-79-1 II : 2 mois)"

    title = models.CharField("intitulé", max_length=255)
    kind = models.CharField("nature", max_length=16, choices=Kind.choices, default=Kind.RECOMMENDATION)
    published_on = models.DateField("publiée au bulletin officiel le")
    deadline = models.DateField("date limite de décision des branches")
    source_file = models.CharField("fichier importé", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="saisie par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("saisie le", auto_now_add=True)

    class Meta:
        verbose_name = "campagne de recommandations NPEC"
        verbose_name_plural = "campagnes de recommandations NPEC"
        ordering = ["-published_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("published_on")), name="npec_campaign_deadline_after_publication"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} (BO du {self.published_on:%d/%m/%Y})"


class NpecRecommendation(models.Model):
    """A recommended amount for a certification (and a CPNE, when France compétences names one)."""

    campaign = models.ForeignKey(NpecCampaign, verbose_name="campagne", on_delete=models.CASCADE, related_name="recommendations")
    rncp = models.CharField("fiche RNCP", max_length=16, db_index=True)
    title = models.CharField("intitulé", max_length=500, blank=True)
    cpne = models.ForeignKey(Cpne, verbose_name="CPNE", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField("montant recommandé (€)", **MONEY)

    class Meta:
        verbose_name = "recommandation NPEC"
        verbose_name_plural = "recommandations NPEC"
        ordering = ["rncp"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="npec_recommendation_amount_positive"),
            models.UniqueConstraint(fields=["campaign", "rncp", "cpne"], name="npec_recommendation_unique", nulls_distinct=False),
        ]

    def __str__(self) -> str:
        return f"{self.rncp} : {self.amount} €"


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", "En préparation par la branche"
    SUBMITTED = "submitted", "Soumise à l'OPCO"
    RETURNED = "returned", "Renvoyée à la branche"
    ACCEPTED = "accepted", "Acceptée par l'OPCO"
    TRANSMITTED = "transmitted", "Transmise à France compétences"


class NpecProposal(models.Model):
    """A branch's levels for one campaign and one of its CPNE; states run by opco.workflow."""

    campaign = models.ForeignKey(NpecCampaign, verbose_name="campagne", on_delete=models.PROTECT, related_name="proposals")
    branch = models.ForeignKey(Branch, verbose_name="branche", on_delete=models.PROTECT, related_name="npec_proposals")
    cpne = models.ForeignKey(Cpne, verbose_name="CPNE", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        "statut", max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT, db_index=True
    )
    submitted_on = models.DateField("soumise le", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="soumise par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_comment = models.TextField("commentaire de l'OPCO", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="examinée par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    transmitted_on = models.DateField("transmise à France compétences le", null=True, blank=True)
    transmission_file = models.CharField("fichier transmis", max_length=255, blank=True)

    class Meta:
        verbose_name = "proposition de NPEC"
        verbose_name_plural = "propositions de NPEC"
        ordering = ["campaign", "branch__name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "branch", "cpne"], name="npec_proposal_unique_campaign_branch_cpne")
        ]

    def __str__(self) -> str:
        return f"Proposition {self.branch} – {self.campaign.title}"


class NpecProposalLine(models.Model):
    """One certification to decide, with the level the branch proposes and why."""

    proposal = models.ForeignKey(NpecProposal, verbose_name="proposition", on_delete=models.CASCADE, related_name="lines")
    rncp = models.CharField("fiche RNCP", max_length=16)
    title = models.CharField("intitulé", max_length=500, blank=True)
    reason = models.CharField("motif", max_length=255, blank=True)
    recommended_amount = models.DecimalField("montant recommandé (€)", **MONEY, null=True, blank=True)
    current_amount = models.DecimalField("niveau en vigueur (€)", **MONEY, null=True, blank=True)
    current_since = models.DateField("en vigueur depuis", null=True, blank=True)
    proposed_amount = models.DecimalField("niveau proposé (€)", **MONEY, null=True, blank=True)
    justification = models.TextField("justification", blank=True)

    class Meta:
        verbose_name = "certification à décider"
        verbose_name_plural = "certifications à décider"
        ordering = ["rncp"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "rncp"], name="npec_proposal_line_unique"),
            models.CheckConstraint(
                condition=Q(proposed_amount__isnull=True) | Q(proposed_amount__gt=0), name="npec_proposed_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rncp} : {self.proposed_amount or '—'}"
