from django.apps import AppConfig


class BranchesConfig(AppConfig):
    name = "branches"
    verbose_name = "Branches professionnelles"

    def ready(self) -> None:
        from accounts import roles
        from accounts.views import PROFILE_SECTIONS
        from branches.loaders import load_branches
        from branches.selectors import branches_visible_to
        from opco import home
        from referentials.loaders import register_loader

        # The OPCO's branches are loaded with the referentials, once the IDCC are.
        register_loader("branches", "Branches de l'OPCO", load_branches, after="idcc")

        # A representative sees the files of the companies whose IDCC in the referential is one of
        # their branch's (opco.scoping): the referential decides, not the IDCC typed on a file.
        from opco import scoping
        from referentials.models import Company

        scoping.register_company_rule(
            roles.BRANCH_REP,
            lambda user: Company.objects.filter(idcc__branch_link__branch__memberships__user=user).values("pk"),
        )

        # A representative finds their branches on the home page (opco.home) and their profile.

        home.register_panel(
            "branches",
            template="branches/_home_panel.html",
            context=lambda user: {"my_branches": branches_visible_to(user)},
            roles=(roles.BRANCH_REP,),
            order=10,
        )
        PROFILE_SECTIONS.register(
            "branches",
            template="branches/_profile_section.html",
            context=lambda user: {"branches": branches_visible_to(user)},
            roles=(roles.BRANCH_REP,),
            order=10,
        )

        # An administrator sets a representative's branches on the account screen (accounts.management_screens).
        from accounts.management_screens import AccountExtra, register_account_extra

        register_account_extra(
            "branches",
            AccountExtra(
                fields=_membership_fields,
                initial=lambda user: {"branches": list(user.branch_memberships.values_list("branch_id", flat=True))},
                save=_memberships_save,
                describe=lambda user: ", ".join(m.branch.name for m in user.branch_memberships.select_related("branch")),
                label="Branches",
            ),
        )


def _membership_fields():
    from django import forms

    from branches.models import Branch

    return {
        "branches": forms.ModelMultipleChoiceField(
            label="Branches (représentant de branche)",
            queryset=Branch.objects.order_by("name"),
            required=False,
            help_text="Un représentant ne voit que les dossiers et les données de ses branches.",
        )
    }


def _memberships_save(actor, user, data) -> None:
    from branches.services import branch_memberships_set

    branch_memberships_set(actor=actor, user=user, branches=data.get("branches") or [])
