"""What a user has to look at, in one panel that any page includes (notifications/_panel.html).

Higher layers register sources in their AppConfig.ready(), so that this app never imports them:

    def deadlines_near(user):
        count = contracts_visible_to(user).filter(decision_due_on__lte=soon).count()
        yield PanelItem(count, "un dossier arrive à échéance", "{count} dossiers arrivent à échéance",
                        link=reverse("contracts:queue"), level=Level.WARNING)

    register_panel_source(deadlines_near)

A source scopes its own counts to the user (its selectors); items counting 0 are not shown."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from notifications.enums import Level


@dataclass(frozen=True)
class PanelItem:
    count: int
    singular: str  # « un lot attend votre approbation »
    plural: str  # « {count} dossiers arrivent à échéance »
    link: str = ""
    level: str = Level.INFO

    @property
    def text(self) -> str:
        return (self.singular if self.count == 1 else self.plural).format(count=self.count)


PanelSource = Callable[[object], Iterable[PanelItem]]
_sources: list[PanelSource] = []


def register_panel_source(source: PanelSource) -> None:
    if source not in _sources:
        _sources.append(source)


def unregister_panel_source(source: PanelSource) -> None:
    if source in _sources:
        _sources.remove(source)


def panel_sources() -> tuple[PanelSource, ...]:
    return tuple(_sources)
