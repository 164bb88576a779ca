"""The kinds of messages users can tune, registered by the apps that send them (AppConfig.ready()):

    register_kind("contract_deadline", "Dossiers dont l'échéance de décision approche")

A kind not registered still goes out, with both channels on; registering gives it a French label on
the « Mes notifications » page and its default channels."""

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from notifications.models import KIND_MAX_LENGTH


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    by_email: bool = True
    in_app: bool = True


_registry: dict[str, Kind] = {}


def register_kind(code: str, label: str, *, by_email: bool = True, in_app: bool = True) -> Kind:
    if not code or len(code) > KIND_MAX_LENGTH:
        raise ImproperlyConfigured(f"Code de type de notification invalide : « {code} ».")
    kind = Kind(code, label, by_email, in_app)
    if _registry.get(code, kind) != kind:
        raise ImproperlyConfigured(f"Le type de notification « {code} » est déjà enregistré autrement.")
    _registry[code] = kind
    return kind


def unregister_kind(code: str) -> None:
    _registry.pop(code, None)


def kind_of(code: str) -> Kind:
    """The registered kind, or one with the code as label and both channels on."""
    return _registry.get(code) or Kind(code, code or "Notifications générales")


def registered_kinds() -> list[Kind]:
    return sorted(_registry.values(), key=lambda kind: kind.label)
