"""Branches of the OPCO (mission 2°) and who represents them."""

from django.conf import settings
from django.db import models

from referentials.models import Idcc


class Branch(models.Model):
    """A professional branch the OPCO serves, covering one or more conventions collectives."""

    code = models.CharField("code", max_length=32, unique=True)
    name = models.CharField("nom", max_length=255)
    idccs = models.ManyToManyField(Idcc, through="BranchIdcc", verbose_name="conventions collectives", related_name="branches")
    active = models.BooleanField("active", default=True)

    class Meta:
        verbose_name = "branche"
        verbose_name_plural = "branches"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BranchIdcc(models.Model):
    """An IDCC belongs to at most one branch of the OPCO."""

    branch = models.ForeignKey(Branch, verbose_name="branche", on_delete=models.CASCADE)
    idcc = models.OneToOneField(Idcc, verbose_name="IDCC", on_delete=models.PROTECT, related_name="branch_link")

    class Meta:
        verbose_name = "rattachement IDCC"
        verbose_name_plural = "rattachements IDCC"

    def __str__(self) -> str:
        return f"{self.idcc.code} → {self.branch}"


class BranchMembership(models.Model):
    """A branch representative (CPNE member) sees the branches they are a member of, nothing else."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="utilisateur", on_delete=models.CASCADE, related_name="branch_memberships"
    )
    branch = models.ForeignKey(Branch, verbose_name="branche", on_delete=models.CASCADE, related_name="memberships")
    since = models.DateField("depuis", auto_now_add=True)

    class Meta:
        verbose_name = "appartenance à une branche"
        verbose_name_plural = "appartenances à une branche"
        constraints = [models.UniqueConstraint(fields=["user", "branch"], name="membership_unique_user_branch")]

    def __str__(self) -> str:
        return f"{self.user} – {self.branch}"
