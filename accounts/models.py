from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from accounts.enums import StaffGroup, UserKind


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_superuser=True, is_staff=True, kind=UserKind.STAFF)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs into the back-office, identified by e-mail."""

    email = models.EmailField("adresse e-mail", unique=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    kind = models.CharField("type de compte", max_length=16, choices=UserKind.choices, default=UserKind.STAFF)
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField(
        "accès à l'administration technique",
        default=False,
        help_text="Donne accès à l'administration Django (données brutes).",
    )
    is_demo = models.BooleanField("compte de démonstration", default=False, editable=False)
    date_joined = models.DateTimeField("créé le", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @cached_property
    def group_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    def in_staff_group(self, group: StaffGroup) -> bool:
        return self.kind == UserKind.STAFF and (group.value in self.group_names)

    @property
    def is_administrator(self) -> bool:
        return self.is_active and (self.is_superuser or self.in_staff_group(StaffGroup.ADMINISTRATEUR))

    def has_perm(self, perm, obj=None) -> bool:
        """Administrators hold every permission of the Django admin (raw data), like a superuser;
        nobody else uses the admin (opco.admin)."""
        return self.is_administrator or super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        return self.is_administrator or super().has_module_perms(app_label)

    @property
    def requires_mfa(self) -> bool:
        """MFA is mandatory for every account, whatever its kind (security baseline): an advisor reaches
        companies' files and funding requests as much as staff do."""
        return True

    @cached_property
    def has_totp(self) -> bool:
        from allauth.mfa.models import Authenticator

        return Authenticator.objects.filter(user=self, type=Authenticator.Type.TOTP).exists()
