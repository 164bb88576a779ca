"""The branch page's panels: every mission shows its aggregated figures for a branch on the branches'
portal (DESIGN.md, « Data flows one way »). The portal renders `BRANCH_PANELS.render(request,
branch=branch)`; a mission registers from its `AppConfig.ready()`, its context taking the user and the
branch. A representative sees figures only, never a person's data, and a figure under 5 apprentices
is masked for them (the branches' portal says how):

    from branches.branch_page import register_branch_panel

    register_branch_panel(
        "training_requests", template="sme_services/_branch_panel.html",
        context=lambda user, branch: {"envelope": envelope_figures(branch)}, order=30,
    )
"""

from opco.panels import Panels

BRANCH_PANELS = Panels()

register_branch_panel = BRANCH_PANELS.register
