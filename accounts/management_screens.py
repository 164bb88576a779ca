"""Administrators manage accounts on screens of their own (not only in the Django admin): the list
(search, kind, active, CSV export), opening an account (the person receives the e-mail to choose their
password; the second factor is configured at first login), roles and staff groups, deactivation and
reactivation, resetting a lost second factor. Every write goes through accounts.services (audited,
refused to anyone but an administrator, whatever the door).

Apps above accounts add their own fields about a user here (`register_account_extra`): branches adds
a representative's branches, written by its own audited service."""

from collections.abc import Callable
from dataclasses import dataclass

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import roles, services
from accounts.enums import StaffGroup, UserKind
from accounts.models import User
from opco import audit
from opco.access import allow
from opco.forms import StyledForm, add_service_errors
from opco.lists import FilteredListView
from opco.search import words


@dataclass(frozen=True)
class AccountExtra:
    """Fields a higher app adds to the account form: `fields()` builds them, `initial(user)` fills them,
    `save(actor, user, cleaned_data)` writes them (raising ValidationError to refuse), `describe(user)`
    says them on the account's page."""

    fields: Callable[[], dict[str, forms.Field]]
    initial: Callable[[User], dict]
    save: Callable[[object, User, dict], None]
    describe: Callable[[User], str]
    label: str


ACCOUNT_EXTRAS: dict[str, AccountExtra] = {}


def register_account_extra(key: str, extra: AccountExtra) -> None:
    ACCOUNT_EXTRAS[key] = extra


class AccountFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Nom ou e-mail", method="search")
    kind = django_filters.ChoiceFilter(label="Type de compte", choices=UserKind.choices, empty_label="Tous")
    group = django_filters.ChoiceFilter(label="Groupe", choices=StaffGroup.choices, empty_label="Tous", field_name="groups__name")
    is_active = django_filters.BooleanFilter(
        label="Actif", widget=forms.Select(choices=[("", "Tous"), ("true", "Oui"), ("false", "Non")])
    )

    class Meta:
        model = User
        fields = ["q", "kind", "group", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(email__iexact=value.strip()) | words(value, ("first_name", "last_name", "email")))


class AccountListView(FilteredListView):
    allowed_roles = (roles.ADMINISTRATEUR,)
    filterset_class = AccountFilter
    template_name = "accounts/account_list.html"
    partial_template_name = "accounts/_account_table.html"
    page_title = "Comptes"
    export_name = "comptes"
    export_columns = [
        ("E-mail", "email"),
        ("Prénom", "first_name"),
        ("Nom", "last_name"),
        ("Type", lambda u: u.get_kind_display()),
        ("Groupes", lambda u: ", ".join(sorted(StaffGroup(g).label for g in u.group_names if g in StaffGroup.values))),
        ("Actif", lambda u: "oui" if u.is_active else "non"),
        ("Dernière connexion", lambda u: u.last_login.date() if u.last_login else ""),
    ]

    def base_queryset(self):
        return User.objects.prefetch_related("groups").order_by("last_name", "first_name", "email").distinct()


class AccountForm(StyledForm):
    email = forms.EmailField(label="E-mail")
    first_name = forms.CharField(label="Prénom", max_length=150, required=False)
    last_name = forms.CharField(label="Nom", max_length=150, required=False)
    kind = forms.ChoiceField(label="Type de compte", choices=UserKind.choices)
    groups = forms.MultipleChoiceField(
        label="Groupes (personnel de l'OPCO)",
        choices=StaffGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Gestionnaire, finance, responsable, administrateur : pour le personnel seulement.",
    )

    def __init__(self, *args, account: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].widget.attrs["class"] = ""
        if account is not None:
            del self.fields["email"]  # the login: never changed here
        for extra in ACCOUNT_EXTRAS.values():
            for name, field in extra.fields().items():
                self.fields[name] = field
                css = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
                field.widget.attrs.setdefault("class", css)


def _save_extras(actor, user: User, data: dict) -> None:
    for extra in ACCOUNT_EXTRAS.values():
        extra.save(actor, user, data)


def _send_password_email(request, user: User) -> None:
    """The allauth « mot de passe oublié » e-mail: the person chooses their password themselves."""
    from allauth.account.forms import ResetPasswordForm

    form = ResetPasswordForm({"email": user.email})
    if form.is_valid():
        form.save(request)


@allow(roles.ADMINISTRATEUR)
@require_http_methods(["GET", "POST"])
def account_new(request):
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                user = services.account_create(
                    actor=request.user,
                    email=data["email"],
                    kind=data["kind"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    groups=data["groups"],
                )
                _save_extras(request.user, user, data)
        except ValidationError as refusal:
            add_service_errors(form, refusal)
        else:
            _send_password_email(request, user)
            messages.success(
                request,
                f"Compte {user.email} créé : un e-mail l'invite à choisir son mot de passe ; "
                "la double authentification sera configurée à sa première connexion.",
            )
            return redirect("accounts:manage_detail", pk=user.pk)
    return render(request, "accounts/account_form.html", {"form": form, "account": None})


@allow(roles.ADMINISTRATEUR)
@require_http_methods(["GET", "POST"])
def account_detail(request, pk: int):
    account = get_object_or_404(User, pk=pk)
    initial = {
        "first_name": account.first_name,
        "last_name": account.last_name,
        "kind": account.kind,
        "groups": sorted(g for g in account.group_names if g in StaffGroup.values),
    }
    for extra in ACCOUNT_EXTRAS.values():
        initial.update(extra.initial(account))
    form = AccountForm(request.POST or None, initial=initial, account=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                services.account_update(
                    actor=request.user,
                    user_id=account.pk,
                    kind=data["kind"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    groups=data["groups"],
                )
                _save_extras(request.user, account, data)
        except ValidationError as refusal:
            add_service_errors(form, refusal)
        else:
            messages.success(request, f"Compte {account.email} enregistré.")
            return redirect("accounts:manage_detail", pk=account.pk)
    context = {
        "form": form,
        "account": account,
        "extras": [(extra.label, extra.describe(account)) for extra in ACCOUNT_EXTRAS.values()],
        "history": audit.history_of(account)[:50],
    }
    return render(request, "accounts/account_form.html", context)


@allow(roles.ADMINISTRATEUR)
@require_POST
def account_action(request, pk: int, action: str):
    account = get_object_or_404(User, pk=pk)
    try:
        if action == "desactiver":
            services.account_set_active(actor=request.user, user_id=account.pk, active=False)
            messages.success(request, f"Compte {account.email} désactivé : la connexion lui est refusée.")
        elif action == "reactiver":
            services.account_set_active(actor=request.user, user_id=account.pk, active=True)
            messages.success(request, f"Compte {account.email} réactivé.")
        elif action == "reinitialiser-2fa":
            services.account_reset_mfa(actor=request.user, user_id=account.pk)
            messages.success(
                request, f"Double authentification de {account.email} réinitialisée : à configurer à la prochaine connexion."
            )
        elif action == "envoyer-mot-de-passe":
            _send_password_email(request, account)
            audit.record(
                actor=request.user, action="user_password_email", target=account, summary="E-mail de mot de passe envoyé"
            )
            messages.success(request, f"E-mail de choix du mot de passe envoyé à {account.email}.")
        else:
            messages.error(request, "Action inconnue.")
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    return redirect("accounts:manage_detail", pk=account.pk)
