"""Finding things, one way on every screen: accent- and case-insensitive words, and the global search
of the header.

- `words(value, fields)` is the Q every list's search uses for free text: each word typed must be
  found, accents and case aside, in one of the fields (« Lea » finds « Léa », « oeuvre » « Œuvre »).
  The lookup `__unaccented` compiles to PostgreSQL's `unaccent()` (the extension, created by
  opco's migration 0005) and, on SQLite, to a function of the same name this module registers on
  every new connection — the same results on both.
- Identifiers (file, DECA and NIR numbers, SIRET, UAI…) are matched exactly by each app's search,
  never by « contains »: a NIR finds one apprentice or none.
- The header's one box posts to the global search page, which asks every kind the apps register here
  (`register_kind`, from their `AppConfig.ready()`; opco imports none of them) and groups the answers
  by kind. Each kind searches through its app's selector, so a representative or an advisor finds
  only the rows the scoping registry lets them see.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db.backends.signals import connection_created
from django.db.models import CharField, Q, TextField, Transform

from opco.access import Role

LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def unaccent(text: str) -> str:
    """« Léa Œuvré » → « Lea OEuvre » (what PostgreSQL's unaccent does to Latin letters)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class Unaccented(Transform):
    lookup_name = "unaccented"
    function = "UNACCENT"


CharField.register_lookup(Unaccented)
TextField.register_lookup(Unaccented)


def _sqlite_unaccent(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "UNACCENT", 1, lambda value: None if value is None else unaccent(value), deterministic=True
        )


connection_created.connect(_sqlite_unaccent, dispatch_uid="opco.search.sqlite_unaccent")


# A NIR (numéro d'inscription au répertoire): sex, year, month, department (2A/2B), commune, order, key.
NIR = re.compile(r"[12378]\d{2}(0[1-9]|1[0-2]|[2-9]\d)(\d{2}|2A|2B)\d{8}")


def compact(value: str) -> str:
    """An identifier as typed on paper (« 1 85 05 78 006 084 36 », « 0142321x ») in its stored form."""
    return re.sub(r"[\s.\-]", "", value or "").upper()


def looks_like_nir(value: str) -> bool:
    """A NIR is matched exactly and never written into an address, a log or a list's « see all » link."""
    return bool(NIR.fullmatch(compact(value)))


def words(value: str, fields: Sequence[str]) -> Q:
    """Every word of `value` in one of `fields`, accents and case aside (an empty value: everything)."""
    condition = Q()
    for word in unaccent(value).split():
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__unaccented__icontains": word})
        condition &= any_field
    return condition


# --- The global search ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    title: str
    detail: str
    url: str


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # « Contrats en alternance »
    search: Callable[[object, str], Iterable[Hit]]  # (user, text) → hits, scoped to the user
    list_url: Callable[[str], str] | None  # the kind's list filtered by the text, to see them all
    roles: tuple[Role, ...] | None
    order: int


_KINDS: dict[str, Kind] = {}
HITS_PER_KIND = 10


def register_kind(
    key: str,
    *,
    label: str,
    search: Callable[[object, str], Iterable[Hit]],
    order: int,
    list_url: Callable[[str], str] | None = None,
    roles: tuple[Role, ...] | None = None,
) -> None:
    """`search(user, text)` answers the kind's rows the user may see (through the app's selector)
    matching `text`, best first; the page shows the first HITS_PER_KIND."""
    _KINDS[key] = Kind(key, label, search, list_url, roles, order)


@dataclass(frozen=True)
class Group:
    kind: Kind
    hits: list[Hit]
    more: bool
    list_url: str


def search_everything(user, text: str, *, with_list_urls: bool = True) -> list[Group]:
    """The kinds the user may search, each with its first hits (kinds without any are left out)."""
    text = text.strip()
    if not text:
        return []
    groups = []
    for kind in sorted(_KINDS.values(), key=lambda k: (k.order, k.key)):
        if kind.roles is not None and not any(role(user) for role in kind.roles):
            continue
        hits = list(_first(kind.search(user, text), HITS_PER_KIND + 1))
        if hits:
            url = kind.list_url(text) if (kind.list_url and with_list_urls) else ""
            groups.append(Group(kind, hits[:HITS_PER_KIND], len(hits) > HITS_PER_KIND, url))
    return groups


def _first(hits: Iterable[Hit], count: int) -> Iterable[Hit]:
    for index, hit in enumerate(hits):
        if index >= count:
            return
        yield hit
