"""The company's space (« espace entreprise »): one row per signed link sent to a company's contact,
with its expiry and its revocation — the link is only a signature of this row, so revoking the row
closes the door whatever the signature says."""

from django.conf import settings
from django.db import models

from referentials.models import Company


class CompanySpaceLink(models.Model):
    company = models.ForeignKey(Company, verbose_name="entreprise", on_delete=models.CASCADE, related_name="space_links")
    contact = models.ForeignKey(
        "sme_services.CompanyContact", verbose_name="contact", on_delete=models.CASCADE, related_name="space_links"
    )
    email = models.EmailField("envoyé à")
    nonce = models.CharField("jeton", max_length=32, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="envoyé par", on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField("envoyé le", auto_now_add=True)
    expires_at = models.DateTimeField("expire le")
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="révoqué par", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    last_used_at = models.DateTimeField("dernière visite", null=True, blank=True)

    class Meta:
        verbose_name = "lien de l'espace entreprise"
        verbose_name_plural = "liens de l'espace entreprise"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "-created_at"], name="space_link_company_idx")]

    def __str__(self) -> str:
        return f"Lien de l'espace entreprise de {self.company} pour {self.email}"
