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

        # A representative registers no company rule in opco.scoping: a CPNE sets levels and studies
        # jobs, it does not instruct files, so it sees aggregated figures only, never a contract file
        # (RGPD art. 5 1 c — minimisation; the figures are scoped by branch in branches.portal).

        # Certification support (issue 17): the portal's panel, its reminders and the renewal alerts.
        from branches.certifications import registry as certifications

        certifications.register()

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

        # The NPEC round reminds the branches before the deadline and staff once it is past
        # (D6332-78-1 II, D6332-79 II, D6332-79-1 II), in the daily round of notifications.
        from branches.npec_round import services as npec_round
        from notifications.deadlines import register_producer
        from notifications.kinds import register_kind

        register_kind(npec_round.REMINDER_BRANCH, "NPEC : proposition de la branche à soumettre")
        register_kind(npec_round.REMINDER_LATE, "NPEC : campagnes en retard")
        register_producer(npec_round.round_reminders_schedule)

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
