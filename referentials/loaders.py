"""Loaders of the reference files shipped in `referentials/data` (see SOURCES.md there).

Each loader parses its files into records keyed by their natural key, reports every bad row with its
file, line and reason, and synchronises the table: new keys are created, changed rows updated, the
rest left alone — so a second run changes nothing. Rows missing from a file are never deleted: other
rows may point at them.

Apps above referentials add the loaders of what follows from them with `register_loader()` (branches:
the OPCO's branches, from the IDCC).
"""

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction

from opco import audit
from opco.models import AuditEntry
from referentials.enums import HolidayZone, ProviderNature
from referentials.models import (
    Certification,
    Idcc,
    LegalParameter,
    Naf,
    PublicHoliday,
    TrainingProvider,
)
from referentials.validators import (
    UAI_CHECK_LETTERS,
    is_valid_siret,
    is_valid_uai,
    normalize_identifier,
)


@dataclass
class RowIssue:
    file: str
    line: int
    reason: str


@dataclass
class LoadReport:
    kind: str
    label: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    issues: list[RowIssue] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def issue(self, path: Path, line: int, reason: str) -> None:
        self.issues.append(RowIssue(path.name, line, reason))

    def as_dict(self) -> dict:
        return asdict(self) | {"total": self.total}

    def summary(self) -> str:
        return (
            f"{self.label} : {self.total} lignes en base après chargement "
            f"({self.created} créées, {self.updated} mises à jour, {self.unchanged} inchangées), "
            f"{len(self.issues)} ligne(s) signalée(s)"
        )


def read_csv(path: Path, delimiter: str = ",") -> Iterator[tuple[int, dict[str, str]]]:
    """(line number in the file, row) pairs; the BOM some files carry is dropped."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        for row in reader:
            yield (
                reader.line_num,
                {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None},
            )


def _parse_french_date(value: str) -> date | None:
    """dd/mm/yyyy; empty or « NR » (non renseigné) is no date."""
    return datetime.strptime(value, "%d/%m/%Y").date() if value and value.upper() != "NR" else None


@dataclass
class Record:
    """The values of one row, and where they were read (for the report)."""

    values: dict
    path: Path
    line: int


def _sync(
    model: type[models.Model],
    key_fields: tuple[str, ...],
    records: dict[tuple, Record],
    report: LoadReport,
) -> None:
    """Create what is new, update what changed, count what did not. Field validators run on every
    row written (`clean_fields`, no query per row); a row they refuse is reported and skipped."""
    existing = {tuple(getattr(obj, f) for f in key_fields): obj for obj in model.objects.all()}
    to_create, to_update, changed_fields = [], [], set()
    for key, record in records.items():
        obj = existing.get(key)
        if obj is not None:
            changed = [name for name, value in record.values.items() if getattr(obj, name) != value]
            if not changed:
                report.unchanged += 1
                continue
            original = {name: getattr(obj, name) for name in changed}
            for name in changed:
                setattr(obj, name, record.values[name])
        else:
            obj, changed = model(**record.values), None
        try:
            obj.clean_fields()
        except ValidationError as exc:
            reasons = "; ".join(f"{field} : {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
            report.issue(record.path, record.line, f"{reasons} : ligne ignorée")
            if changed:
                for name, value in original.items():
                    setattr(obj, name, value)
            continue
        if changed is None:
            to_create.append(obj)
        else:
            changed_fields.update(changed)
            to_update.append(obj)
    model.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        model.objects.bulk_update(to_update, sorted(changed_fields), batch_size=500)
    report.created += len(to_create)
    report.updated += len(to_update)


# --- IDCC -----------------------------------------------------------------------------------------
IDCC_CODE_RE = re.compile(r"^\d{4}( \d{4})*$")


def load_idcc(data_dir: Path) -> LoadReport:
    report = LoadReport("idcc", "Conventions collectives (IDCC)")
    opco_by_code: dict[str, tuple[str, int]] = {}
    opco_path = data_dir / "idcc" / "idcc_opco.csv"
    for line, row in read_csv(opco_path):
        code = row["idcc"]
        if not code.isdigit() or not row["opco"]:
            report.issue(
                opco_path,
                line,
                f"IDCC « {code} » ou OPCO manquant ou invalide : ligne ignorée",
            )
            continue
        opco_by_code[code.zfill(4)] = (row["opco"], line)

    path = data_dir / "idcc" / "idcc_conventions_collectives.csv"
    records: dict[tuple, Record] = {}
    for line, row in read_csv(path):
        code = row["idcc"]
        if not IDCC_CODE_RE.match(code):
            report.issue(
                path,
                line,
                f"code IDCC « {code} » invalide (4 chiffres attendus) : ligne ignorée",
            )
            continue
        title = row["libelle"] or row["legifrance_titre"] or row["re_titre"]
        if not title:
            report.issue(path, line, f"IDCC {code} sans intitulé : ligne ignorée")
            continue
        records[(code,)] = Record(
            {
                "code": code,
                "title": title[:255],
                "official_title": row["legifrance_titre"] or row["re_titre"],
                "nature": row["nature"][:64],
                "legal_states": row["legifrance_etats_juridiques"][:128],
                "url": row["url"][:255],
                "opco_name": opco_by_code.get(code, ("", 0))[0],
            },
            path,
            line,
        )
    for code in sorted(set(opco_by_code) - {key[0] for key in records}):
        report.issue(
            opco_path,
            opco_by_code[code][1],
            f"IDCC {code} absent de la liste des conventions collectives : rattachement à l'OPCO ignoré",
        )
    _sync(Idcc, ("code",), records, report)
    return report


# --- NAF --------------------------------------------------------------------------------------------
NAF_CODE_RE = re.compile(r"^\d{2}\.\d{2}[A-Z]$")


def load_naf(data_dir: Path) -> LoadReport:
    report = LoadReport("naf", "Codes NAF")
    levels_path = data_dir / "naf" / "naf2008_5_niveaux.csv"
    levels = {row["NIV5"]: row for _, row in read_csv(levels_path)}
    path = data_dir / "naf" / "naf2008_liste_n5.csv"
    records: dict[tuple, Record] = {}
    for line, row in read_csv(path):
        code = row["code"]
        if not NAF_CODE_RE.match(code):
            report.issue(
                path,
                line,
                f"code NAF « {code} » invalide (format NN.NNL attendu) : ligne ignorée",
            )
            continue
        level = levels.get(code)
        if level is None:
            report.issue(
                path,
                line,
                f"code NAF {code} absent de la table des niveaux : niveaux non renseignés",
            )
            level = {}
        records[(code,)] = Record(
            {
                "code": code,
                "label": row["libelle"][:255],
                "naf_class": level.get("NIV4", ""),
                "group": level.get("NIV3", ""),
                "division": level.get("NIV2", ""),
                "section": level.get("NIV1", ""),
            },
            path,
            line,
        )
    _sync(Naf, ("code",), records, report)
    return report


# --- Certifications (Kit apprentissage) ---------------------------------------------------------
def load_certifications(data_dir: Path, only_rncp: set[str] | None = None) -> LoadReport:
    """`only_rncp` restricts the load to some fiches (tests that need a few real rows)."""
    report = LoadReport("certifications", "Certifications (Kit apprentissage)")
    path = data_dir / "certifications" / "Kit_apprentissage_20250131__Kit_Apprentissage.csv"
    records: dict[tuple, Record] = {}
    yes_no = {"oui": True, "non": False, "nr": None, "": None}
    for line, row in read_csv(path):
        code_diplome, rncp = row["Code Diplôme"].upper(), row["FicheRNCP"].upper()
        if only_rncp is not None and rncp not in only_rncp:
            continue
        if not re.match(r"^[0-9A-Z]{8}$", code_diplome):
            report.issue(
                path,
                line,
                f"code diplôme « {code_diplome} » invalide (8 caractères attendus) : ligne ignorée",
            )
            continue
        if not (re.match(r"^RNCP\d+$", rncp) or rncp == "NR"):
            report.issue(path, line, f"fiche RNCP « {rncp} » invalide : ligne ignorée")
            continue
        level_text = row["Niveau fiche RNCP"]
        level_match = re.match(r"^Niveau (\d)$", level_text)
        if level_text != "NR" and not level_match:
            report.issue(path, line, f"niveau « {level_text} » illisible : ligne ignorée")
            continue
        access = row["Accès à l'apprentissage de la fiche RNCP (oui/non)"].lower()
        expiry_text = row["Date d'échéance de la fiche RNCP"]
        try:
            expires_on = _parse_french_date(expiry_text)
        except ValueError:
            report.issue(
                path,
                line,
                f"date d'échéance « {expiry_text} » illisible : ligne ignorée",
            )
            continue
        if (code_diplome, rncp) in records:
            report.issue(
                path,
                line,
                f"couple {code_diplome} / {rncp} en double : seule la première ligne est gardée",
            )
            continue
        records[(code_diplome, rncp)] = Record(
            {
                "code_diplome": code_diplome,
                "rncp": rncp,
                "level": int(level_match.group(1)) if level_match else None,
                "title": (row["Intitulé certification (RNCP)"] or row["Intitulé diplôme (DEPP)"])[:500],
                "title_depp": row["Intitulé diplôme (DEPP)"][:500],
                "abbreviation": row["Abrégé de diplôme (RNCP)"][:32],
                "open_to_apprenticeship": yes_no.get(access),
                "expires_on": expires_on,
                "active": row["Fiche ACTIVE/INACTIVE"].upper() == "ACTIVE",
                "registration": row["Type d'enregistrement"][:64],
                "successor_rncp": row["Nouvelle Certification rempla (RNCP)"][:16],
                "predecessor_rncp": row["Ancienne Certification (RNCP)"][:16],
                "kit_version": row["Dernière MaJ"][:32],
            },
            path,
            line,
        )
    _sync(Certification, ("code_diplome", "rncp"), records, report)
    return report


# --- Training providers (CFA network lists) ------------------------------------------------------
ADDRESS_RE = re.compile(r"^(?P<street>.*?)\s*(?P<postal_code>\d{5})\s+(?P<city>[^\d].*)$")
NATURES = {choice.value for choice in ProviderNature}


def load_providers(data_dir: Path) -> LoadReport:
    """Merges the 16 network files: one provider per SIRET, the first non-empty value of each field
    winning, networks accumulated."""
    report = LoadReport("providers", "Organismes de formation (CFA)")
    records: dict[tuple, Record] = {}
    for path in sorted((data_dir / "providers").glob("referentiel-reseau-*.csv")):
        network = path.stem.removeprefix("referentiel-reseau-")
        for line, row in read_csv(path, delimiter=";"):
            siret = normalize_identifier(row.get("Siret"))
            if not is_valid_siret(siret):
                report.issue(path, line, f"SIRET « {siret} » invalide : ligne ignorée")
                continue
            uai = normalize_identifier(row.get("UAI validée"))
            if uai and not is_valid_uai(uai):
                expected = UAI_CHECK_LETTERS[int(uai[:7]) % 23] if uai[:7].isdigit() else "?"
                report.issue(
                    path,
                    line,
                    f"UAI « {uai} » invalide (lettre de contrôle attendue : {expected}) : UAI non reprise",
                )
                uai = ""
            address = row.get("Adresse", "")
            match = ADDRESS_RE.match(address)
            nature = row.get("Nature", "")
            qualiopi = {"oui": True, "non": False}.get(row.get("Qualiopi", "").lower())
            incoming = {
                "siret": siret,
                "uai": uai,
                "name": row.get("Raison sociale", "")[:255],
                "trade_name": row.get("Enseigne", "")[:255],
                "nda": normalize_identifier(row.get("numero_declaration_activite"))[:16],
                "qualiopi": qualiopi,
                "nature": nature if nature in NATURES else ProviderNature.UNKNOWN.value,
                "administrative_state": row.get("etat_administratif", "")[:16],
                "address": (match.group("street") if match else address)[:255],
                "postal_code": match.group("postal_code") if match else "",
                "city": (match.group("city") if match else "")[:128],
                "academy": row.get("Académie", "")[:64],
                "region": row.get("Région", "")[:64],
            }
            known = records.get((siret,))
            if known is None:
                records[(siret,)] = Record(incoming | {"networks": network}, path, line)
                continue
            current = known.values
            if uai and current["uai"] and current["uai"] != uai:
                report.issue(
                    path,
                    line,
                    f"SIRET {siret} : UAI {uai} différente de {current['uai']} déjà lue, la première est gardée",
                )
            for name, value in incoming.items():
                if current[name] in (
                    "",
                    None,
                    ProviderNature.UNKNOWN.value,
                ) and value not in ("", None):
                    current[name] = value
            if network not in current["networks"].split(","):
                current["networks"] = f"{current['networks']},{network}"[:255]
    _sync(TrainingProvider, ("siret",), records, report)
    return report


# --- Public holidays -----------------------------------------------------------------------------
def load_holidays(data_dir: Path) -> LoadReport:
    report = LoadReport("holidays", "Jours fériés")
    records: dict[tuple, Record] = {}
    zones = {choice.value for choice in HolidayZone}
    for path in sorted((data_dir / "holidays").glob("jours_feries_*.csv")):
        zone = path.stem.removeprefix("jours_feries_")
        if zone not in zones:
            report.issue(path, 0, f"zone « {zone} » inconnue : fichier ignoré")
            continue
        for line, row in read_csv(path):
            try:
                day = date.fromisoformat(row["date"])
            except ValueError:
                report.issue(path, line, f"date « {row['date']} » illisible : ligne ignorée")
                continue
            records[(day, zone)] = Record(
                {"date": day, "zone": zone, "name": row["nom_jour_ferie"][:64]},
                path,
                line,
            )
    _sync(PublicHoliday, ("date", "zone"), records, report)
    return report


# --- Legal parameters ----------------------------------------------------------------------------
def load_legal_parameters(data_dir: Path) -> LoadReport:
    report = LoadReport("legal_parameters", "Paramètres légaux (SMIC…)")
    path = data_dir / "legal_parameters.csv"
    records: dict[tuple, Record] = {}
    for line, row in read_csv(path):
        try:
            value = Decimal(row["value"])
            valid_from = date.fromisoformat(row["valid_from"])
        except (InvalidOperation, ValueError):
            report.issue(
                path,
                line,
                f"valeur « {row['value']} » ou date « {row['valid_from']} » illisible : ligne ignorée",
            )
            continue
        if not row["key"] or not row["source"]:
            report.issue(path, line, "clé ou source manquante : ligne ignorée")
            continue
        records[(row["key"], valid_from)] = Record(
            {
                "key": row["key"],
                "label": row["label"][:255],
                "value": value,
                "unit": row["unit"][:32],
                "valid_from": valid_from,
                "source": row["source"][:255],
            },
            path,
            line,
        )
    _sync(LegalParameter, ("key", "valid_from"), records, report)
    return report


# In the order they run; apps above referentials add theirs with register_loader().
LOADERS: dict[str, Callable[[Path], LoadReport]] = {
    "idcc": load_idcc,
    "naf": load_naf,
    "certifications": load_certifications,
    "providers": load_providers,
    "holidays": load_holidays,
    "legal_parameters": load_legal_parameters,
}
KIND_LABELS = {
    "idcc": "Conventions collectives (IDCC)",
    "naf": "Codes NAF",
    "certifications": "Certifications (Kit apprentissage)",
    "providers": "Organismes de formation (CFA)",
    "holidays": "Jours fériés",
    "legal_parameters": "Paramètres légaux (SMIC…)",
}


def register_loader(kind: str, label: str, loader: Callable[[Path], LoadReport], *, after: str) -> None:
    """Load data of a higher app that follows from the referentials in the same runs (the command, the
    staff screen), right after the kind it needs: branches registers « branches » after « idcc » in its
    AppConfig.ready(). Registering a kind again replaces it."""
    if after not in LOADERS or after == kind:
        raise ValueError(f"Référentiel « {after} » inconnu : « {kind} » ne peut pas être chargé après lui.")
    _insert_after(LOADERS, after, kind, loader)
    _insert_after(KIND_LABELS, after, kind, label)


def _insert_after(registry: dict, after: str, key: str, value) -> None:
    # In place: the command, the services and the staff screen hold these very dicts.
    entries = [(k, v) for k, v in registry.items() if k != key]
    entries.insert([k for k, _ in entries].index(after) + 1, (key, value))
    registry.clear()
    registry.update(entries)


def referentials_load(
    *,
    kinds: list[str] | None = None,
    actor=None,
    source: str = AuditEntry.Source.COMMAND,
    data_dir: Path | None = None,
    on_progress: Callable[[int, int, LoadReport], None] | None = None,
) -> list[LoadReport]:
    """Load the requested referentials (all by default), each in its own transaction, and write one
    audit entry per referential with its counts."""
    selected = [kind for kind in LOADERS if kinds is None or kind in kinds]
    unknown = set(kinds or []) - set(LOADERS)
    if unknown:
        raise ValidationError(f"Référentiel(s) inconnu(s) : {', '.join(sorted(unknown))}.")
    data_dir = data_dir or settings.REFERENTIAL_DATA_DIR
    reports = []
    for index, kind in enumerate(selected, start=1):
        with transaction.atomic():
            report = LOADERS[kind](data_dir)
            audit.record(
                actor=actor,
                action="referential_load",
                summary=report.summary(),
                changes={
                    "kind": kind,
                    "created": report.created,
                    "updated": report.updated,
                    "issues": len(report.issues),
                },
                source=source,
            )
        reports.append(report)
        if on_progress:
            on_progress(index, len(selected), report)
    return reports
