"""Parts of a page that higher apps register (DESIGN.md, « Data flows one way »).

A page owned by a low layer (the home page in opco, the profile in accounts…) must show things that
apps above it own. It keeps a `Panels` registry; each higher app registers its panels from its
`AppConfig.ready()`, and the page's view renders what the user may see:

    # the lower app, once, next to its page
    PROFILE_SECTIONS = Panels()

    # a higher app, in its AppConfig.ready()
    PROFILE_SECTIONS.register(
        "branches",                                  # unique key: registering it again replaces it
        template="branches/_profile_section.html",   # rendered with the request's context processors
        context=lambda user: {"branches": branches_visible_to(user)},
        roles=(roles.BRANCH_REP,),                   # None: every user who reaches the page
        order=10,                                    # smallest first; ties by key
    )

    # the page's view
    render(request, "accounts/profile.html", {"sections": PROFILE_SECTIONS.render(request)})

Each panel comes out as one safe HTML string, stripped: the page's template decides where they go.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from opco.access import Role, user_has_any_role


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[[object], dict]
    roles: tuple[Role, ...] | None
    order: int

    def shown_to(self, user) -> bool:
        return self.roles is None or user_has_any_role(user, self.roles)


class Panels:
    """The panels registered for one page."""

    def __init__(self) -> None:
        self._panels: dict[str, Panel] = {}

    def register(
        self,
        key: str,
        *,
        template: str,
        context: Callable[[object], dict] | None = None,
        roles: tuple[Role, ...] | None = None,
        order: int = 100,
    ) -> None:
        # An empty tuple would read as « nobody », surely a mistake: say None for everybody.
        if roles is not None and not roles:
            raise ValueError(f"Panneau « {key} » : roles=None pour tout le monde, sinon au moins un rôle.")
        self._panels[key] = Panel(template, context or (lambda user: {}), roles, order)

    def render(self, request, **subject) -> list[SafeString]:
        """The panels `request.user` may see, in order, each rendered with its own context.

        A page about one thing (a company, a branch) passes it by name, `render(request, company=c)`,
        and its panels' contexts take it: `context=lambda user, company: {...}`.
        """
        shown = sorted((panel.order, key, panel) for key, panel in self._panels.items() if panel.shown_to(request.user))
        # The template escaped what it rendered; strip() only loses the SafeString mark, given back here.
        return [
            mark_safe(render_to_string(panel.template, panel.context(request.user, **subject), request=request).strip())  # noqa: S308
            for _, _, panel in shown
        ]
