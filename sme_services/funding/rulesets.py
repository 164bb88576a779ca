"""Rule sets as versioned data: each import is a new version (who, when, the board's validation it
cites), never an overwrite (TRAINING_FUNDING.md « Interface »)."""

import hashlib
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts import roles
from opco import audit, publication
from sme_services.funding.inputs import InvalidInput
from sme_services.funding.models import FundingRuleSet
from sme_services.funding.rules import RuleSet, parse_rule_set

_CACHE: dict = {"key": None, "rule_sets": []}


def can_import_rules(user) -> bool:
    return user is None or roles.STAFF(user)


def read_json(raw: bytes | str):
    """The JSON of a rule set or a request; InvalidInput (French) when unreadable."""
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        return json.loads(text)
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidInput("fichier", f"JSON illisible ({error}).") from None


def rule_set_import(*, actor, data, file_name: str = "") -> FundingRuleSet:
    """Validate and store one rule set as a new version. Refused (InvalidInput, nothing stored) when
    invalid or when its `reference` was already imported."""
    if not can_import_rules(actor):
        raise PermissionDenied("Seuls les gestionnaires de l'OPCO importent des règles de prise en charge.")
    parsed = parse_rule_set(data)
    if FundingRuleSet.objects.filter(reference=parsed.reference).exists():
        raise InvalidInput(
            "reference", f"la version « {parsed.reference} » est déjà importée : une version ne se remplace jamais."
        )
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
    version = FundingRuleSet(
        reference=parsed.reference,
        dispositif=parsed.dispositif,
        idcc=list(parsed.idcc),
        label=(parsed.label or "")[:300],
        proposed_by=parsed.proposed_by[:300],
        proposed_on=parsed.proposed_on,
        validated_by=parsed.validated_by[:300],
        validated_on=parsed.validated_on,
        starts_from=parsed.starts_from,
        until=parsed.until,
        content=data,
        file_name=file_name[:255],
        checksum=hashlib.sha256(canonical.encode()).hexdigest(),
        imported_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            version.full_clean(exclude=["imported_by"])
            version.save()
            audit.record(
                actor=actor,
                action="funding_rules_import",
                target=version,
                changes={"reference": [None, version.reference], "checksum": [None, version.checksum]},
                summary=(
                    f"Règles {version.reference} importées (validées par {version.validated_by} le "
                    f"{version.validated_on.isoformat()})"
                ),
            )
            # R6332-23 1°: the published priorities and criteria follow each new version within 15 days.
            transaction.on_commit(lambda: publication.changed(f"Règles de prise en charge {version.reference}"))
    except (IntegrityError, ValidationError) as error:
        raise InvalidInput("reference", f"version refusée : {error}") from None
    return version


def parsed_rule_sets() -> list[RuleSet]:
    """Every version in import order (oldest first), parsed once until a new import."""
    key = FundingRuleSet.objects.order_by("-id").values_list("id", flat=True).first()
    if _CACHE["key"] != key:
        rows = FundingRuleSet.objects.order_by("id").values_list("content", flat=True)
        _CACHE["rule_sets"] = [parse_rule_set(content) for content in rows]
        _CACHE["key"] = key
    return _CACHE["rule_sets"]


def version_of(reference: str | None) -> FundingRuleSet | None:
    return FundingRuleSet.objects.filter(reference=reference).first() if reference else None


def compare(left: FundingRuleSet, right: FundingRuleSet) -> list[tuple[str, str, str, bool]]:
    """Two versions side by side: (key, left value, right value, differs), every key of either, the
    nested ones flattened (« pedagogy.hourly_caps.expert »)."""

    def flat(value, prefix=""):
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                out.update(flat(item, f"{prefix}.{key}" if prefix else key))
            return out
        return {prefix: json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value}

    a, b = flat(left.content), flat(right.content)
    return [(key, a.get(key, "—"), b.get(key, "—"), a.get(key) != b.get(key)) for key in sorted(set(a) | set(b))]
