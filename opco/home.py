"""The home page shows what the apps register here (opco imports none of them: DESIGN.md, « Data flows
one way »). Register from your app's `AppConfig.ready()`; keys are unique, registering a key again
replaces it; `roles=None` shows the entry to every user of the home page; smallest `order` first.

- A **panel** is a card above the tiles, rendered from your template with your context
  (see opco.panels):

      home.register_panel(
          "branches", template="branches/_home_panel.html",
          context=lambda user: {"my_branches": branches_visible_to(user)}, roles=(roles.BRANCH_REP,), order=10,
      )

- A **tile** is a counter linking to a list: the number `count(user)` returns (scope it to the user if
  the list is scoped), a label in French that reads after the number, the URL name of the list:

      home.register_tile(
          "providers", label="organismes de formation (CFA)", url_name="referentials:providers",
          count=lambda user: TrainingProvider.objects.count(), order=10,
      )

Orders in use: panels — branches 10; tiles — referentials 10 to 40.
"""

from collections.abc import Callable

from django.urls import reverse

from opco.access import Role
from opco.panels import Panels

PANELS = Panels()
TILES = Panels()

register_panel = PANELS.register


def register_tile(
    key: str,
    *,
    label: str,
    url_name: str,
    count: Callable[[object], int],
    order: int,
    roles: tuple[Role, ...] | None = None,
) -> None:
    TILES.register(
        key,
        template="includes/home_tile.html",
        context=lambda user: {"count": count(user), "label": label, "url": reverse(url_name)},
        roles=roles,
        order=order,
    )
