"""What certification support registers into the lower layers, called once from BranchesConfig.ready():
the branch portal's panel, the reminder kinds and the daily producer of renewal alerts."""


def register() -> None:
    from accounts import roles
    from branches.branch_page import register_branch_panel
    from branches.certifications import lifecycle, services, workflow  # noqa: F401  (workflow registers itself)
    from notifications.deadlines import register_producer
    from notifications.kinds import register_kind

    register_kind(lifecycle.RENEWAL_REMINDER, "Certifications : fin d'enregistrement à 12, 6 et 3 mois")
    register_kind(services.REVIEW_REMINDER, "Certifications : avis attendus")
    register_kind(services.SURVEY_REMINDER, "Certifications : données d'insertion à transmettre (R6113-15)")
    register_producer(lifecycle.renewal_alerts_schedule)
    register_branch_panel(
        "certifications",
        template="branches/certifications/_branch_panel.html",
        context=_panel_context,
        roles=(roles.STAFF, roles.BRANCH_REP),
        order=40,
    )


def _panel_context(user, branch) -> dict:
    from django.utils import timezone

    from branches.certifications import access, lifecycle, selectors

    if not access.can_read(user, branch):
        return {"branch": branch, "hidden": True}
    today = timezone.localdate()
    used = lifecycle.certifications_used_by(branch)
    ending = [item for item in used if item.ends_on and item.months_left(today) is not None and item.months_left(today) < 12]
    return {
        "branch": branch,
        "by_status": selectors.projects_summary(branch),
        "used_count": len(used),
        "ending": ending,
        "without_npec": len(selectors.new_rncp_without_npec(branch)),
    }
