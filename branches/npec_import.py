"""Import of the référentiel des NPEC published by France compétences (FINANCING.md §6).

The workbook's layout moves from one publication to the next, so nothing here relies on a position:
each sheet's header row is found by its wording among its first rows, and the sheet's kind follows
from that header:

- long sheet (« Onglet 3 - référentiel NPEC », « par formation CPNE »): one row per certification ×
  CPNE, with its amount and, when published, its status and date d'applicabilité;
- matrix sheet (« Onglet 2 - global »): certifications × CPNE columns, CPNE codes and/or names (and,
  in October 2019, the IDCC of each CPNE) in the header rows;
- CPNE ↔ IDCC table (« Onglet 4 », « Onglet 5 »), in either orientation.

Every import is a publication of its own; nothing earlier is overwritten. Bad rows are reported in
`publication.report` with their sheet, line and reason, never dropped silently.

Why one module over 600 lines: it reads every layout France compétences has published since 2019
(column headings, merged cells, NC markers, CPNE columns, dates) and each layout's quirks are only
understood next to the others; splitting it by layout would scatter one parser across files.
"""

import hashlib
import re
import unicodedata
import warnings
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import chain
from pathlib import Path
from typing import Any

import defusedxml
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from branches.models import Cpne, CpneIdcc, NpecEntry, NpecPublication
from opco import audit
from opco import publication as publication_registry
from opco.models import AuditEntry
from opco.money import round_money

# --- Limits for a workbook of unknown origin ------------------------------------------------------
MAX_FILE_BYTES = 50 * 1024 * 1024
# Zip-bomb guard on the declared size of the unpacked parts (the publications unpack to ~40 times
# their size, mostly empty formatted rows).
MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024
# Rows holding a value. The full publications are large: the 2019 long sheet has 795,927 data rows
# and the 2021 one 1,018,476 (their « Lisez-moi »), so the limit sits just above Excel's own.
MAX_ROWS_PER_SHEET = 1_100_000
HEADER_SCAN_ROWS = 15  # the header row is looked for among a sheet's first rows
MAX_AMOUNT = Decimal("99999999.99")  # NpecEntry.amount: 10 digits, 2 decimals

NC_TOKENS = {"NC", "N.C.", "N/C", "NON COMMUNIQUE"}  # « non communiqué »: no amount, row kept
NONE_TOKENS = {"NA", "N/A", "N.A.", "NEANT", "AUCUN", "-"}  # « NA »: no IDCC for this CPNE


# --- Cell values ----------------------------------------------------------------------------------
def _filled(value: Any) -> bool:
    return value is not None and (not isinstance(value, str) or value.strip() != "")


def _text(value: Any) -> str:
    """The cell as one line of text: ints stay ints (1022001, not 1022001.0), spaces collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _normalized(value: Any) -> str:
    """Lower case, no accents, one kind of apostrophe, spaces collapsed: for comparing wordings."""
    text = _text(value).replace("’", "'").replace("œ", "oe").replace("Œ", "OE")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(text.casefold().split())


def _label(value: Any) -> str:
    """A header cell's wording: its first line, without the footnote stars."""
    first_line = str(value).strip().split("\n")[0] if value is not None else ""
    return _normalized(first_line.replace("*", ""))


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, str) and value.strip().isdigit()


class CellError(ValueError):
    """A cell that cannot be read; its message is the French reason reported."""


def parse_amount(value: Any) -> Decimal | None:
    """An annual NPEC in euros, rounded half up to the cent; None for « NC »."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        amount = Decimal(str(value))
    else:
        text = _text(value)
        if _normalized(text).upper() in NC_TOKENS:
            return None
        cleaned = re.sub(r"[\s\u00a0\u202f€]", "", text).replace(",", ".")
        try:
            amount = Decimal(cleaned)
        except InvalidOperation:
            raise CellError(f"montant « {text} » illisible")
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise CellError(f"montant « {_text(value)} » hors des valeurs possibles")
    return round_money(amount)


RNCP_RE = re.compile(r"^(?:RNCP)?(\d{1,8})$")
CODE_DIPLOME_RE = re.compile(r"^[0-9A-Z]{8}$")
CPNE_CODE_RE = re.compile(r"^[0-9A-Z]{1,16}$")


def parse_rncp_codes(value: Any) -> list[str]:
    """« RNCP1002 » → [RNCP1002]; a renewed fiche « RNCP31946/RNCP36989 » → both codes."""
    text = _text(value).upper()
    parts = [part.replace(" ", "") for part in re.split(r"[/;,]|\bOU\b|\bET\b", text) if part.strip()]
    codes = []
    for part in parts:
        match = RNCP_RE.match(part)
        if not match:
            raise CellError(f"code RNCP « {_text(value)} » illisible")
        codes.append(f"RNCP{int(match.group(1))}")
    return list(dict.fromkeys(codes))


def parse_code_diplome(value: Any) -> str:
    """The 8-character code diplôme; read as a number it lost its leading zero: 1022001 → 01022001."""
    text = _text(value).upper().replace(" ", "")
    code = text.zfill(8) if text.isdigit() else text
    if not CODE_DIPLOME_RE.match(code):
        raise CellError(f"code formation « {_text(value)} » illisible (8 caractères attendus)")
    return code


def parse_cpne_code(value: Any) -> str:
    text = _text(value).upper()
    if not CPNE_CODE_RE.match(text):
        raise CellError(f"code CPNE « {_text(value)} » illisible")
    return str(int(text)) if text.isdigit() else text


def parse_idcc_list(value: Any) -> list[str]:
    """« 627, 749, 1049 » → [0627, 0749, 1049]; « NA » → none. IDCC are zero-padded to 4 digits."""
    text = _text(value)
    if not text or _normalized(text).upper() in NONE_TOKENS:
        return []
    codes = []
    for part in re.split(r"[,;/\s]+|\bet\b", text):
        if not part:
            continue
        if not part.isdigit() or len(part.lstrip("0")) > 4:
            raise CellError(f"IDCC « {text} » illisible (codes de 4 chiffres au plus attendus)")
        codes.append(part.zfill(4))
    return list(dict.fromkeys(codes))


MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}  # fmt: skip
FRENCH_DATE_RE = re.compile(r"\b(1er|\d{1,2})\s+(" + "|".join(MONTHS) + r")(?:\s+(\d{4}))?\b")
NUMERIC_DATE_RE = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")


def dates_in_text(text: str) -> list[date]:
    """The dates a title states: « au 15 juillet 2024 »; « au 15 octobre ou 8 septembre 2023 » gives
    two dates, a day without a year taking the year of the next date."""
    normalized = _normalized(text)
    found: list[tuple[int, int, int | None]] = []
    for day, month, year in FRENCH_DATE_RE.findall(normalized):
        found.append((1 if day == "1er" else int(day), MONTHS[month], int(year) if year else None))
    found += [(int(d), int(m), int(y)) for d, m, y in NUMERIC_DATE_RE.findall(normalized)]
    dates = []
    for index, (day, month, year) in enumerate(found):
        year = year or next((later[2] for later in found[index + 1 :] if later[2]), None)
        if year is None:
            continue
        try:
            dates.append(date(year, month, day))
        except ValueError:  # « 31 septembre »
            continue
    return list(dict.fromkeys(dates))


def parse_date_cell(value: Any) -> date | None:
    """A date d'applicabilité cell; None when empty."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not _filled(value):
        return None
    if isinstance(value, (int, float)) and 20_000 < value < 80_000:  # an Excel serial left unformatted
        return from_excel(value).date()
    text = _text(value)
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text.split(" ")[0], pattern).date()
        except ValueError:
            continue
    dates = dates_in_text(text)
    if len(dates) == 1:
        return dates[0]
    raise CellError(f"date d'applicabilité « {text} » illisible")


# --- Header rows ----------------------------------------------------------------------------------
def _one_of(*wordings: str) -> Callable[[str], bool]:
    return lambda label: label in wordings


def _starts_with(*wordings: str) -> Callable[[str], bool]:
    return lambda label: label.startswith(wordings)


# The wordings met in the publications since 2019, tried in this order (« Libellé du diplôme » is a
# diploma type, « Libellé CPNE » a CPNE name, before any title wording).
HEADER_ROLES: list[tuple[str, Callable[[str], bool]]] = [
    ("rncp", _one_of("rncp", "code rncp", "codes rncp", "code(s) rncp", "fiche rncp", "numero rncp", "n° rncp")),
    (
        "code_diplome",
        _one_of(
            "code formation",
            "code la formation",
            "code de la formation",
            "code diplome",
            "code du diplome",
            "code de diplome",
            "code cfd",
        ),
    ),
    ("cpne_code", _one_of("code cpne", "code de la cpne", "n° cpne")),
    ("idcc", _one_of("idcc", "code idcc", "codes idcc", "code(s) idcc", "idcc rattache(s)")),
    (
        "cpne_name",
        _one_of("cpne", "libelle cpne", "intitule cpne", "libelle de la cpne", "intitule de la cpne", "nom de la cpne"),
    ),
    ("amount", _starts_with("npec", "valeur finale", "niveau de prise en charge", "montant")),
    ("status", _one_of("statut", "statut du npec")),
    ("applicable_from", _starts_with("date d'applicabilite", "date d'application")),
    ("diploma_type", _starts_with("type de diplome", "type diplome", "libelle du diplome", "libelle diplome")),
    (
        "title",
        _starts_with(
            "libelle de la formation",
            "libelle de la certification",
            "intitule de la certification",
            "intitule de la formation",
            "intitule formation",
            "libelle formation",
            "intitule certification",
        ),
    ),
    ("certifier", _starts_with("certificateur")),
]


def role_of(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    label = _label(value)
    return next((role for role, matches in HEADER_ROLES if matches(label)), None)


def roles_of_row(values: tuple) -> dict[str, int]:
    """{role: column index} of a row's header cells (first column when a role repeats)."""
    roles: dict[str, int] = {}
    for index, value in enumerate(values):
        role = role_of(value)
        if role and role not in roles:
            roles[role] = index
    return roles


class SheetKind:
    LONG = "lignes"
    MATRIX = "matrice"
    MAPPING = "CPNE ↔ IDCC"


def _cpne_columns(values: tuple, roles: dict[str, int]) -> list[int]:
    """Matrix columns: the header cells that are no label (CPNE codes or names)."""
    labelled = set(roles.values())
    return [i for i, v in enumerate(values) if _filled(v) and i not in labelled and role_of(v) is None]


def kind_of_header(values: tuple) -> str | None:
    roles = roles_of_row(values)
    has_certification = "rncp" in roles or "code_diplome" in roles
    if has_certification and "amount" in roles and ("cpne_code" in roles or "cpne_name" in roles):
        return SheetKind.LONG
    if has_certification and "amount" not in roles and _cpne_columns(values, roles):
        return SheetKind.MATRIX
    if not has_certification and "cpne_code" in roles and "idcc" in roles:
        return SheetKind.MAPPING
    return None


# --- What the sheets hold, before any database work -----------------------------------------------
@dataclass(slots=True)
class Certification:
    """The certification of a row: RNCP codes and/or code diplôme, as published."""

    rncp_codes: list[str]
    code_diplome: str
    as_published: str
    title: str
    diploma_type: str

    def keys(self) -> list[tuple[str, str]]:
        """(rncp, code_diplome) of each entry the row gives: one per RNCP code of a combined code."""
        return [(rncp, self.code_diplome) for rncp in self.rncp_codes] or [("", self.code_diplome)]

    @property
    def combined(self) -> bool:
        return len(self.rncp_codes) > 1


@dataclass(slots=True)
class MatrixColumn:
    sheet: str
    letter: str
    header_line: int
    code: str | None
    name: str
    cells: int = 0


@dataclass(slots=True)
class RawEntry:
    sheet: str
    line: int
    certification: Certification
    cpne_code: str | None
    cpne_name: str
    amount: Decimal | None
    status: str = ""
    applicable_from: date | None = None
    column: MatrixColumn | None = None  # matrix cells: reported once per unknown CPNE column


@dataclass(slots=True)
class RawMapping:
    sheet: str
    line: int
    cpne_code: str | None
    cpne_name: str
    idcc_codes: list[str]


@dataclass
class ParsedWorkbook:
    file_name: str
    titles: list[str] = field(default_factory=list)
    sheets: dict[str, str] = field(default_factory=dict)  # sheet → kind, or « ignoré »
    long_entries: list[RawEntry] = field(default_factory=list)
    matrix_entries: list[RawEntry] = field(default_factory=list)
    mappings: list[RawMapping] = field(default_factory=list)
    cpne_names: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # code → wordings
    report: list[dict] = field(default_factory=list)

    def issue(self, sheet: str, line: int, reason: str) -> None:
        self.report.append({"sheet": sheet, "line": line, "reason": reason})

    def sorted_report(self) -> list[dict]:
        """The reported lines in the workbook's order: sheet by sheet, line by line."""
        sheet_order = {sheet: index for index, sheet in enumerate(self.sheets)}
        return sorted(self.report, key=lambda issue: (sheet_order.get(issue["sheet"], len(sheet_order)), issue["line"]))

    def name_cpne(self, code: str | None, name: str) -> None:
        if code and name and name not in self.cpne_names[code]:
            self.cpne_names[code].append(name)

    @property
    def title(self) -> str:
        return self.titles[0] if self.titles else ""

    def title_dates(self) -> list[date]:
        return list(dict.fromkeys(d for title in self.titles for d in dates_in_text(title)))


def _cell(values: tuple, index: int | None) -> Any:
    return values[index] if index is not None and index < len(values) else None


def _read_certification(values: tuple, roles: dict[str, int]) -> Certification:
    """The row's certification codes; CellError when it has none or one cannot be read."""
    rncp_cell, diplome_cell = _cell(values, roles.get("rncp")), _cell(values, roles.get("code_diplome"))
    if not _filled(rncp_cell) and not _filled(diplome_cell):
        raise CellError("code de la certification (RNCP ou code formation) manquant")
    rncp_codes = parse_rncp_codes(rncp_cell) if _filled(rncp_cell) and _normalized(rncp_cell).upper() not in NONE_TOKENS else []
    code_diplome = parse_code_diplome(diplome_cell) if _filled(diplome_cell) else ""
    if not rncp_codes and not code_diplome:
        raise CellError(f"code de la certification « {_text(rncp_cell)} » inexploitable")
    return Certification(
        rncp_codes=rncp_codes,
        code_diplome=code_diplome,
        as_published=_text(rncp_cell) if rncp_codes else _text(diplome_cell),
        title=_text(_cell(values, roles.get("title")))[:500],
        diploma_type=_text(_cell(values, roles.get("diploma_type")))[:64],
    )


def _read_long_sheet(parsed: ParsedWorkbook, sheet: str, roles: dict[str, int], rows: Iterable[tuple[int, tuple]]) -> None:
    for line, values in rows:
        try:
            certification = _read_certification(values, roles)
            cpne_code, cpne_name = _read_cpne(values, roles)
            amount = parse_amount(_cell(values, roles.get("amount")))
            applicable_from = parse_date_cell(_cell(values, roles.get("applicable_from")))
            idcc_codes = parse_idcc_list(_cell(values, roles.get("idcc")))
        except CellError as error:
            parsed.issue(sheet, line, f"{error} : ligne ignorée")
            continue
        parsed.name_cpne(cpne_code, cpne_name)
        parsed.long_entries.append(
            RawEntry(
                sheet=sheet,
                line=line,
                certification=certification,
                cpne_code=cpne_code,
                cpne_name=cpne_name,
                amount=amount,
                status=_text(_cell(values, roles.get("status")))[:16],
                applicable_from=applicable_from,
            )
        )
        if idcc_codes:
            parsed.mappings.append(RawMapping(sheet, line, cpne_code, cpne_name, idcc_codes))


def _read_cpne(values: tuple, roles: dict[str, int]) -> tuple[str | None, str]:
    code_cell, name = _cell(values, roles.get("cpne_code")), _text(_cell(values, roles.get("cpne_name")))
    if not _filled(code_cell) and not name:
        raise CellError("CPNE manquante (ni code ni intitulé)")
    return (parse_cpne_code(code_cell) if _filled(code_cell) else None), name


def _read_mapping_sheet(parsed: ParsedWorkbook, sheet: str, roles: dict[str, int], rows: Iterable[tuple[int, tuple]]) -> None:
    for line, values in rows:
        try:
            cpne_code, cpne_name = _read_cpne(values, roles)
            idcc_codes = parse_idcc_list(_cell(values, roles["idcc"]))
        except CellError as error:
            parsed.issue(sheet, line, f"{error} : ligne ignorée")
            continue
        parsed.name_cpne(cpne_code, cpne_name)
        parsed.mappings.append(RawMapping(sheet, line, cpne_code, cpne_name, idcc_codes))


def _subheader_kind(values: tuple, label_columns: list[int], cpne_columns: list[int], header_has_codes: bool) -> str | None:
    """What a row below a matrix header holds: « idcc », CPNE « names » or « codes » (below a header
    of names); None for a data row."""
    labels = " ".join(_label(_cell(values, i)) for i in label_columns if _filled(_cell(values, i)))
    cells = [_cell(values, i) for i in cpne_columns if _filled(_cell(values, i))]
    if not cells:
        return None
    if "idcc" in labels:
        return "idcc"
    if all(isinstance(v, str) and not _is_integer(v) for v in cells):
        return "names"
    if not header_has_codes and all(_is_integer(v) for v in cells) and "code" in labels:
        return "codes"
    return None


def _read_matrix_sheet(
    parsed: ParsedWorkbook, sheet: str, header_line: int, header: tuple, rows: Iterator[tuple[int, tuple]]
) -> None:
    roles = roles_of_row(header)
    cpne_columns = _cpne_columns(header, roles)
    label_columns = sorted(set(roles.values()))
    code_index = roles.get("rncp", roles.get("code_diplome"))
    header_has_codes = any(_is_integer(header[i]) for i in cpne_columns)
    subheaders: dict[str, tuple[int, tuple]] = {}  # kind → (line, values)
    first_data: tuple[int, tuple] | None = None
    for line, values in rows:
        is_data = _filled(_cell(values, code_index))
        kind = None if is_data else _subheader_kind(values, label_columns, cpne_columns, header_has_codes)
        if kind is None or kind in subheaders:
            first_data = (line, values)
            break
        subheaders[kind] = (line, values)
        roles |= {role: i for role, i in roles_of_row(values).items() if role in ("title", "diploma_type")}
    columns = _matrix_columns(parsed, sheet, header_line, header, cpne_columns, subheaders)
    data_rows = chain([first_data], rows) if first_data else rows
    for line, values in data_rows:
        _read_matrix_row(parsed, sheet, line, values, roles, columns)


def _matrix_columns(
    parsed: ParsedWorkbook,
    sheet: str,
    header_line: int,
    header: tuple,
    cpne_columns: list[int],
    subheaders: dict[str, tuple[int, tuple]],
) -> dict[int, MatrixColumn]:
    """Each CPNE column's code (header row, or a row of codes below a header of names) and name; the
    IDCC row, when there is one, gives CPNE ↔ IDCC mappings."""
    idcc_line = subheaders.get("idcc", (header_line, ()))[0]

    def below(kind: str, index: int) -> Any:
        return _cell(subheaders.get(kind, (0, ()))[1], index)

    columns = {}
    for index in cpne_columns:
        head = header[index]
        code_cell = head if _is_integer(head) else below("codes", index)
        name = _text(below("names", index)) or ("" if _is_integer(head) else _text(head))
        letter = get_column_letter(index + 1)
        try:
            code = parse_cpne_code(code_cell) if _filled(code_cell) else None
        except CellError as error:
            parsed.issue(sheet, header_line, f"colonne {letter} : {error} : colonne ignorée")
            continue
        parsed.name_cpne(code, name)
        columns[index] = MatrixColumn(sheet, letter, header_line, code, name)
        try:
            idcc_codes = parse_idcc_list(below("idcc", index))
        except CellError as error:
            parsed.issue(sheet, idcc_line, f"colonne {letter} : {error} : rattachement IDCC ignoré")
            continue
        if idcc_codes:
            parsed.mappings.append(RawMapping(sheet, idcc_line, code, name, idcc_codes))
    return columns


def _read_matrix_row(
    parsed: ParsedWorkbook, sheet: str, line: int, values: tuple, roles: dict[str, int], columns: dict[int, MatrixColumn]
) -> None:
    try:
        certification = _read_certification(values, roles)
    except CellError as error:
        parsed.issue(sheet, line, f"{error} : ligne ignorée")
        return
    for index, column in columns.items():
        cell = _cell(values, index)
        if not _filled(cell):
            continue
        try:
            amount = parse_amount(cell)
        except CellError as error:
            parsed.issue(sheet, line, f"colonne {column.letter} (CPNE {column.code or column.name}) : {error} : valeur ignorée")
            continue
        column.cells += 1
        parsed.matrix_entries.append(RawEntry(sheet, line, certification, column.code, column.name, amount, column=column))


# --- Reading the workbook -------------------------------------------------------------------------
def _refuse(message: str) -> ValidationError:
    return ValidationError(message, code="npec_import_refused")


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0").replace(".", ",")


def check_file(path: Path) -> None:
    """Refuse, before opening it, what is not a reasonable xlsx file."""
    if not path.is_file():
        raise _refuse(f"Fichier « {path} » introuvable.")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _refuse(
            f"Le fichier « {path.name} » pèse {_megabytes(size)} Mo : au-delà de {_megabytes(MAX_FILE_BYTES)} Mo, "
            "il n'est pas importé."
        )
    not_xlsx = _refuse(f"Le fichier « {path.name} » n'est pas un classeur Excel .xlsx valide : import refusé.")
    if not zipfile.is_zipfile(path):
        raise not_xlsx
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise not_xlsx
    if "[Content_Types].xml" not in {member.filename for member in members}:
        raise not_xlsx
    if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise _refuse(f"Le fichier « {path.name} » se décompresse en un volume anormal : import refusé.")


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _rows(worksheet) -> Iterator[tuple[int, tuple]]:
    """(spreadsheet row number, values) of the rows holding something, within the row limit."""
    worksheet.reset_dimensions()  # the declared dimension may claim 1,048,576 styled, empty rows
    count = 0
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if not any(_filled(value) for value in values):
            continue
        count += 1
        if count > MAX_ROWS_PER_SHEET:
            limit = f"{MAX_ROWS_PER_SHEET:,}".replace(",", "\u202f")
            raise _refuse(f"L'onglet « {worksheet.title} » compte plus de {limit} lignes remplies : import refusé.")
        yield number, values


def _find_header(head: list[tuple[int, tuple]]) -> tuple[int, str] | None:
    """(position in `head`, sheet kind) of the first header row among the sheet's first rows."""
    for position, (number, values) in enumerate(head):
        kind = kind_of_header(values) if number <= HEADER_SCAN_ROWS else None
        if kind:
            return position, kind
    return None


def _read_sheet(parsed: ParsedWorkbook, worksheet) -> None:
    sheet = worksheet.title
    rows = _rows(worksheet)
    head: list[tuple[int, tuple]] = []
    for number, values in rows:
        head.append((number, values))
        if number >= HEADER_SCAN_ROWS:
            break
    found = _find_header(head)
    if found is None:
        parsed.sheets[sheet] = "ignoré"
        return
    position, kind = found
    header_line, header = head[position]
    parsed.sheets[sheet] = kind
    if kind != SheetKind.MAPPING:
        parsed.titles += [title for _, values in head[:position] if (title := " ".join(_text(v) for v in values if _filled(v)))]
    following = chain(head[position + 1 :], rows)
    if kind == SheetKind.LONG:
        _read_long_sheet(parsed, sheet, roles_of_row(header), following)
    elif kind == SheetKind.MATRIX:
        _read_matrix_sheet(parsed, sheet, header_line, header, following)
    else:
        _read_mapping_sheet(parsed, sheet, roles_of_row(header), following)


def _defuse_xml() -> None:
    """No XML entity or DTD tricks from a file of unknown origin. openpyxl already parses through
    defusedxml when it is installed; this also covers the standard library parsers it could reach."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # defusedxml.cElementTree, imported by it
        defusedxml.defuse_stdlib()


# What reading a damaged or hostile sheet raises (ParseError is a SyntaxError).
BROKEN_PACKAGE_ERRORS = (zipfile.BadZipFile, KeyError, OSError, EOFError, SyntaxError, defusedxml.DefusedXmlException)


def read_workbook(path: Path) -> ParsedWorkbook:
    """Parse every sheet of the workbook (no database access)."""
    _defuse_xml()
    unreadable = _refuse(f"Le fichier « {path.name} » n'est pas un classeur Excel .xlsx lisible : import refusé.")
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on a broken package
        raise unreadable
    parsed = ParsedWorkbook(file_name=path.name)
    try:
        for worksheet in workbook.worksheets:
            _read_sheet(parsed, worksheet)
    except BROKEN_PACKAGE_ERRORS:
        raise unreadable
    finally:
        workbook.close()
    if not any(kind in (SheetKind.LONG, SheetKind.MATRIX, SheetKind.MAPPING) for kind in parsed.sheets.values()):
        raise _refuse(
            f"Aucun onglet de « {path.name} » ne ressemble au référentiel NPEC : en-têtes « Code RNCP » ou "
            f"« Code formation » avec « NPEC final » ou « Valeur finale », ou « Code CPNE » avec « IDCC », introuvables "
            f"dans les {HEADER_SCAN_ROWS} premières lignes."
        )
    return parsed


# --- From parsed rows to entries and mappings ------------------------------------------------------
class CpneResolver:
    """The code of a CPNE known only by its name (2019 « par formation CPNE »): from the wordings of
    the same workbook, else from the CPNE already known; an unknown or ambiguous name is reported."""

    def __init__(self, workbook_names: dict[str, list[str]]):
        self.in_workbook = self._index((code, name) for code, names in workbook_names.items() for name in names)
        self.in_database = self._index(Cpne.objects.values_list("code", "name"))

    @staticmethod
    def _index(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
        index: dict[str, set[str]] = defaultdict(set)
        for code, name in pairs:
            index[_normalized(name)].add(code)
        return index

    def code_for(self, code: str | None, name: str) -> str:
        """The code; CellError with the reason when it cannot be known."""
        if code:
            return code
        key = _normalized(name)
        codes = self.in_workbook.get(key) or self.in_database.get(key) or set()
        if len(codes) == 1:
            return next(iter(codes))
        if codes:
            raise CellError(f"plusieurs CPNE s'intitulent « {name} » ({', '.join(sorted(codes))})")
        raise CellError(f"CPNE « {name} » : aucun code CPNE connu pour cet intitulé")


@dataclass(slots=True)
class Chosen:
    """The entry kept for one (certification, CPNE, date) of the publication."""

    raw: RawEntry
    rncp: str
    code_diplome: str
    cpne_code: str
    from_combined_code: bool


def _same_level(a: RawEntry, b: RawEntry) -> bool:
    return a.amount == b.amount and (a.status == b.status or not a.status or not b.status)


def _shown(amount: Decimal | None) -> str:
    return "NC" if amount is None else f"{amount}"


def _code_label(rncp: str, code_diplome: str) -> str:
    return rncp or f"code formation {code_diplome}"


class EntrySelector:
    """One entry per (certification, CPNE, date): long-sheet rows first (they carry status and date),
    then the matrix for the pairs they lack (§6). Identical repeats (the 2021 file has one row per
    IDCC) merge; a code named on its own beats the same code inside a combined code; any other
    disagreement keeps the first row and reports the other."""

    def __init__(self, parsed: ParsedWorkbook, resolver: CpneResolver):
        self.parsed, self.resolver = parsed, resolver
        self.chosen: dict[tuple, Chosen] = {}
        self.long_pairs: dict[tuple[str, str, str], Chosen] = {}
        self.unknown_columns: dict[int, tuple[MatrixColumn, str]] = {}

    def select(self) -> list[Chosen]:
        for raw in self.parsed.long_entries:
            self._offer(raw)
        self.long_pairs = {(c.rncp, c.code_diplome, c.cpne_code): c for c in self.chosen.values()}
        for raw in self.parsed.matrix_entries:
            self._offer(raw)
        for column, reason in self.unknown_columns.values():
            self.parsed.issue(
                column.sheet, column.header_line, f"colonne {column.letter} : {reason} : {column.cells} valeur(s) ignorée(s)"
            )
        return list(self.chosen.values())

    def _offer(self, raw: RawEntry) -> None:
        try:
            cpne_code = self.resolver.code_for(raw.cpne_code, raw.cpne_name)
        except CellError as error:
            if raw.column is not None:
                self.unknown_columns.setdefault(id(raw.column), (raw.column, str(error)))
            else:
                self.parsed.issue(raw.sheet, raw.line, f"{error} : ligne ignorée")
            return
        for rncp, code_diplome in raw.certification.keys():
            candidate = Chosen(raw, rncp, code_diplome, cpne_code, raw.certification.combined)
            if raw.column is not None and self._known_from_long_sheet(candidate):
                continue
            self._keep_one(candidate)

    def _known_from_long_sheet(self, candidate: Chosen) -> bool:
        kept = self.long_pairs.get((candidate.rncp, candidate.code_diplome, candidate.cpne_code))
        if kept is None:
            return False
        if kept.raw.amount != candidate.raw.amount:
            self._report_discarded(candidate, kept, "différente de")
        return True

    def _keep_one(self, candidate: Chosen) -> None:
        raw = candidate.raw
        key = (candidate.rncp, candidate.code_diplome, candidate.cpne_code, raw.applicable_from)
        kept = self.chosen.get(key)
        if kept is None:
            self.chosen[key] = candidate
        elif _same_level(kept.raw, raw):
            return
        elif kept.from_combined_code and not candidate.from_combined_code:
            self.chosen[key] = candidate
            self._report_discarded(kept, candidate, "remplacée par")
        else:
            self._report_discarded(candidate, kept, "en conflit avec")

    def _report_discarded(self, discarded: Chosen, kept: Chosen, relation: str) -> None:
        code = _code_label(discarded.rncp, discarded.code_diplome)
        self.parsed.issue(
            discarded.raw.sheet,
            discarded.raw.line,
            f"{code} × CPNE {discarded.cpne_code} (publié « {discarded.raw.certification.as_published} ») : "
            f"valeur {_shown(discarded.raw.amount)} {relation} la valeur {_shown(kept.raw.amount)} de "
            f"« {kept.raw.sheet} », ligne {kept.raw.line} : valeur ignorée",
        )


def applicable_date_fallback(parsed: ParsedWorkbook, given: date | None) -> date:
    """For rows without a date d'applicabilité: the date given, else the one the title states."""
    if given:
        return given
    dates = parsed.title_dates()
    if len(dates) == 1:
        return dates[0]
    if dates:
        listed = ", ".join(f"{d:%d/%m/%Y}" for d in dates)
        raise _refuse(
            f"Le titre du classeur « {parsed.file_name} » cite plusieurs dates ({listed}) et certaines lignes n'ont "
            "pas de date d'applicabilité : précisez-la avec --applicable-from AAAA-MM-JJ."
        )
    raise _refuse(
        f"La date d'applicabilité ne figure ni dans les lignes ni dans le titre de « {parsed.file_name} » : "
        "précisez-la avec --applicable-from AAAA-MM-JJ."
    )


# --- Writing the publication ----------------------------------------------------------------------
def _field_errors(instance: models.Model, exclude: list[str]) -> str:
    """Field validators only (no query per row, as referentials.loaders does); '' when valid."""
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as exc:
        return "; ".join(f"{name} : {' '.join(messages)}" for name, messages in exc.message_dict.items())
    return ""


def _refresh_cpne(parsed: ParsedWorkbook, codes: set[str]) -> dict[str, Cpne]:
    """Create the CPNE the publication names, and give known ones the publication's wording."""
    existing = {cpne.code: cpne for cpne in Cpne.objects.filter(code__in=codes | set(parsed.cpne_names))}
    to_create, to_update = [], []
    for code in sorted(codes | set(parsed.cpne_names)):
        name = (parsed.cpne_names.get(code) or [""])[0][:500]
        cpne = existing.get(code)
        if cpne is None:
            cpne = Cpne(code=code, name=name or f"CPNE {code} (intitulé non publié)")
            cpne.full_clean(validate_unique=False)
            to_create.append(cpne)
        elif name and cpne.name != name:
            cpne.name = name
            to_update.append(cpne)
    Cpne.objects.bulk_create(to_create)
    Cpne.objects.bulk_update(to_update, ["name"])
    return {cpne.code: cpne for cpne in Cpne.objects.filter(code__in=codes | set(parsed.cpne_names))}


def _resolved_mappings(parsed: ParsedWorkbook, resolver: CpneResolver) -> set[tuple[str, str]]:
    pairs = set()
    for mapping in parsed.mappings:
        try:
            code = resolver.code_for(mapping.cpne_code, mapping.cpne_name)
        except CellError as error:
            parsed.issue(mapping.sheet, mapping.line, f"{error} : rattachement IDCC ignoré")
            continue
        pairs.update((code, idcc) for idcc in mapping.idcc_codes)
    return pairs


def _build_entries(
    parsed: ParsedWorkbook, publication: NpecPublication, chosen: list[Chosen], cpnes: dict[str, Cpne], fallback: date | None
) -> list[NpecEntry]:
    entries = []
    for item in chosen:
        raw = item.raw
        entry = NpecEntry(
            publication=publication,
            cpne=cpnes[item.cpne_code],
            rncp=item.rncp,
            code_diplome=item.code_diplome,
            code_as_published=raw.certification.as_published,
            title=raw.certification.title,
            diploma_type=raw.certification.diploma_type,
            amount=raw.amount,
            status=raw.status,
            applicable_from=raw.applicable_from or fallback,
            sheet=raw.sheet,
            line=raw.line,
        )
        errors = _field_errors(entry, exclude=["publication", "cpne"])
        if errors:
            parsed.issue(raw.sheet, raw.line, f"{errors} : ligne ignorée")
            continue
        entries.append(entry)
    return entries


def _refuse_if_imported(checksum: str) -> None:
    earlier = NpecPublication.objects.filter(checksum=checksum).first()
    if earlier is not None:
        when = timezone.localtime(earlier.imported_at)
        raise _refuse(
            f"Ce fichier a déjà été importé le {when:%d/%m/%Y à %H:%M} (« {earlier.file_name} », publication "
            f"n° {earlier.pk}) : un même fichier n'est importé qu'une fois."
        )


def _refuse_if_empty(parsed: ParsedWorkbook) -> None:
    first = "; ".join(f"{i['sheet']}, ligne {i['line']} : {i['reason']}" for i in parsed.sorted_report()[:3])
    raise _refuse(
        f"Aucune ligne NPEC ni aucun rattachement CPNE ↔ IDCC n'a pu être lu dans « {parsed.file_name} » "
        f"({len(parsed.report)} ligne(s) signalée(s){' : ' + first if first else ''})."
    )


def npec_publication_import(
    *, path: Path, actor, applicable_from: date | None = None, source: str = AuditEntry.Source.COMMAND
) -> NpecPublication:
    """Import one workbook as a new publication (one transaction, one audit entry). The same file
    (same SHA-256) is imported once only; ValidationError, in French, on any refusal."""
    path = Path(path)
    check_file(path)
    checksum = file_checksum(path)
    _refuse_if_imported(checksum)
    parsed = read_workbook(path)
    try:
        with transaction.atomic():
            return _save(parsed, path=path, checksum=checksum, actor=actor, applicable_from=applicable_from, source=source)
    except IntegrityError:  # the same file imported meanwhile by someone else
        _refuse_if_imported(checksum)
        raise


def _save(parsed: ParsedWorkbook, *, path: Path, checksum: str, actor, applicable_from: date | None, source: str):
    resolver = CpneResolver(parsed.cpne_names)
    chosen = EntrySelector(parsed, resolver).select()
    mapping_pairs = _resolved_mappings(parsed, resolver)
    if not chosen and not mapping_pairs:
        _refuse_if_empty(parsed)
    without_date = any(item.raw.applicable_from is None for item in chosen)
    fallback = applicable_date_fallback(parsed, applicable_from) if without_date else None
    user = actor if getattr(actor, "is_authenticated", False) else None
    publication = NpecPublication(
        kind=NpecPublication.Kind.IMPORT, file_name=path.name[:255], checksum=checksum, title=parsed.title[:500], imported_by=user
    )
    publication.full_clean()
    publication.save()
    cpnes = _refresh_cpne(parsed, {item.cpne_code for item in chosen} | {code for code, _ in mapping_pairs})
    entries = _build_entries(parsed, publication, chosen, cpnes, fallback)
    NpecEntry.objects.bulk_create(entries, batch_size=2000)
    CpneIdcc.objects.bulk_create(
        [CpneIdcc(publication=publication, cpne=cpnes[code], idcc_code=idcc) for code, idcc in sorted(mapping_pairs)],
        batch_size=2000,
    )
    publication.entry_count, publication.mapping_count = len(entries), len(mapping_pairs)
    publication.report = parsed.sorted_report()
    publication.save(update_fields=["entry_count", "mapping_count", "report"])
    audit.record(
        actor=actor,
        action="npec_import",
        target=publication,
        summary=(
            f"Référentiel NPEC « {path.name} » importé : {len(entries)} ligne(s) NPEC, {len(mapping_pairs)} "
            f"rattachement(s) CPNE ↔ IDCC, {len(parsed.report)} ligne(s) signalée(s)"
        ),
        changes={
            "file_name": path.name,
            "checksum": checksum,
            "entries": len(entries),
            "mappings": len(mapping_pairs),
            "reported": len(parsed.report),
            "sheets": parsed.sheets,
            "applicable_from": applicable_from.isoformat() if applicable_from else None,
        },
        source=source,
    )
    # R6332-23 2°: the NPECs in force are republished within 15 days of a new publication.
    transaction.on_commit(lambda: publication_registry.changed(f"Référentiel NPEC « {path.name} »"))
    return publication
