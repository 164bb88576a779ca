"""SEPA credit-transfer files, pain.001.001.09 (ISO 20022, 2019 version), as French banks take them.

A pure module: no database, no settings. It receives already decided payments and returns the XML bytes,
always validated against the official XSD (`schemas/pain.001.001.09.xsd`, copied unmodified).

Rules and where they come from:
- EPC SEPA Credit Transfer rulebook and its customer-to-PSP implementation guidelines (EPC132-08, 2023+):
  pain.001.001.09, `BICFI`, service level `SEPA`, charges `SLEV`, currency EUR only, amounts from 0.01 to
  999 999 999.99 with at most 2 decimals, `EndToEndId`/`MsgId`/`PmtInfId` at most 35 characters (no leading or
  trailing "/", no "//"), names at most 70, unstructured remittance at most 140, and the Latin character set
  a-z A-Z 0-9 / - ? : ( ) . , ' + and space.
- Structured postal addresses (StrtNm, BldgNb, PstCd, TwnNm, Ctry; never AdrLine): banks refuse unstructured
  addresses from November 2026 (EPC/CPMI harmonised ISO 20022 requirements); TwnNm and Ctry are then mandatory.
- BIC of the beneficiary's bank: optional inside the EEA, mandatory for a bank in a non-EEA SEPA country
  (SCT rulebook; EPC409-09 lists the countries).
- Money is Decimal (DESIGN.md); integer cents exist only here, to add the amounts exactly.
"""

import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree
from schwifty import BIC, IBAN

from opco.money import round_money, to_cents

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "pain.001.001.09.xsd"
CURRENCY = "EUR"
PARIS = ZoneInfo("Europe/Paris")

# Lengths: ISO types (Max35Text, Max70Text, Max16Text, Max140Text) narrowed by the EPC guidelines.
MAX_ID_LENGTH = 35
MAX_NAME_LENGTH = 70
MAX_REMITTANCE_LENGTH = 140
MAX_STREET_LENGTH = 70
MAX_BUILDING_NUMBER_LENGTH = 16
MAX_POSTAL_CODE_LENGTH = 16
MAX_TOWN_LENGTH = 35

MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")  # EPC guidelines, AT-04 amount of the credit transfer

# EEA countries (EU 27 + IS, LI, NO) and the EU territories that have an ISO code of their own.
# Outside this set, the BIC of the bank is mandatory.
EEA_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK IS LI NO GF GP MQ RE YT MF AX".split()
)

# The SEPA Latin character set (EPC guidelines, "character set").
SEPA_FORBIDDEN = re.compile(r"[^a-zA-Z0-9/\-?:().,'+ ]")
SEPA_TEXT = re.compile(r"[a-zA-Z0-9/\-?:().,'+ ]*")

# Letters that Unicode decomposition leaves alone, and a few signs with a readable SEPA equivalent.
_TRANSLITERATION = str.maketrans(
    {
        "œ": "oe",
        "Œ": "OE",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
        "°": "o",  # « n° 12 » → « no 12 »
        "&": "+",
        "_": "-",
        "’": "'",
        "‘": "'",
        "‚": "'",
        "`": "'",
        "´": "'",
        '"': "'",
        "«": "'",
        "»": "'",
        "“": "'",
        "”": "'",
        "„": "'",
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "€": "EUR",
    }
)

_IBAN_LIKE = re.compile(r"\b[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}\b")


class SepaValidationError(Exception):
    """The XML is not a valid pain.001.001.09 file; `errors` holds the schema's messages (IBANs masked)."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("Le fichier SEPA n'est pas conforme au schéma pain.001.001.09 : " + " ; ".join(errors))


@dataclass(frozen=True)
class PostalAddress:
    """A structured address. `street`, `building_number` and `postal_code` may be empty; `town` may not."""

    street: str | None
    building_number: str | None
    postal_code: str | None
    town: str
    country: str = "FR"


@dataclass(frozen=True)
class Party:
    """A debtor or a creditor: `bic` may be None inside the EEA."""

    name: str
    iban: str
    bic: str | None
    address: PostalAddress

    def __repr__(self) -> str:
        # The IBAN never reaches logs or tracebacks through a repr (DESIGN.md, security baseline).
        return f"Party(name={self.name!r}, iban='***', bic={self.bic!r}, address={self.address!r})"


@dataclass(frozen=True)
class CreditTransfer:
    end_to_end_id: str
    creditor: Party
    amount: Decimal
    remittance: str


@dataclass(frozen=True)
class SepaFile:
    xml: bytes
    control_sum: Decimal
    transaction_count: int


def to_sepa_text(value: str, max_length: int) -> str:
    """Transliterate to the SEPA Latin character set and cut to `max_length`.

    Accents are dropped (é → e, ç → c), ligatures spelt out (œ → oe), typographic quotes and dashes
    simplified; any other character becomes a space; runs of spaces are collapsed and the ends trimmed.
    """
    text = unicodedata.normalize("NFKC", value).translate(_TRANSLITERATION)
    text = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    text = SEPA_FORBIDDEN.sub(" ", text)
    text = re.sub(" {2,}", " ", text).strip()
    return text[:max_length].rstrip()


def build_pain_001_001_09(
    *,
    message_id: str,
    created_at: datetime,
    debtor: Party,
    execution_date: date,
    transfers: list[CreditTransfer],
    initiating_party: str,
) -> SepaFile:
    """Build a credit-transfer initiation for one debtor account and one execution date (one PmtInf).

    Refuses (ValueError/TypeError, in French) what a bank would refuse, validates the result against the
    XSD and returns it with its control sum and number of transactions.
    """
    _check_identifier(message_id, "L'identifiant du message (MsgId)")
    if not isinstance(created_at, datetime):
        raise TypeError("La date de création du fichier doit être un datetime.")
    if created_at.tzinfo is None or created_at.utcoffset() is None:
        raise ValueError("La date de création du fichier doit porter un fuseau horaire (USE_TZ).")
    if isinstance(execution_date, datetime) or not isinstance(execution_date, date):
        raise TypeError("La date d'exécution demandée doit être une date (sans heure).")
    if not transfers:
        raise ValueError("Le fichier SEPA doit contenir au moins un virement.")
    initiating_name = to_sepa_text(initiating_party, MAX_NAME_LENGTH)
    if not initiating_name:
        raise ValueError("Le nom de l'émetteur du fichier est vide une fois converti au jeu de caractères SEPA.")

    debtor_account = _checked_party(debtor, "du donneur d'ordre")

    seen_ids: set[str] = set()
    checked = []
    total_cents = 0
    for number, transfer in enumerate(transfers, start=1):
        label = f"du virement n° {number}"
        _check_identifier(transfer.end_to_end_id, f"L'identifiant de bout en bout (EndToEndId) {label}")
        if transfer.end_to_end_id in seen_ids:
            raise ValueError(f"L'identifiant de bout en bout {transfer.end_to_end_id} est en double dans le fichier.")
        seen_ids.add(transfer.end_to_end_id)
        label = f"{label} ({transfer.end_to_end_id})"
        cents = _amount_cents(transfer.amount, label)
        creditor_account = _checked_party(transfer.creditor, f"du bénéficiaire {label}")
        remittance = to_sepa_text(transfer.remittance or "", MAX_REMITTANCE_LENGTH)
        total_cents += cents
        checked.append((transfer.end_to_end_id, cents, creditor_account, remittance))

    root = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    initiation = _sub(root, "CstmrCdtTrfInitn")
    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", message_id)
    _sub(header, "CreDtTm", created_at.astimezone(PARIS).replace(microsecond=0).isoformat())
    _sub(header, "NbOfTxs", str(len(checked)))
    _sub(header, "CtrlSum", _cents_text(total_cents))
    _sub(_sub(header, "InitgPty"), "Nm", initiating_name)

    # One PmtInf per (execution date, debtor account): this file has exactly one of each. The PmtInfId
    # reuses the MsgId, unique per file, so that bank reports can be traced back to the payment run.
    payment = _sub(initiation, "PmtInf")
    _sub(payment, "PmtInfId", message_id)
    _sub(payment, "PmtMtd", "TRF")
    _sub(payment, "BtchBookg", "true")  # one debit on the statement per payment run
    _sub(payment, "NbOfTxs", str(len(checked)))
    _sub(payment, "CtrlSum", _cents_text(total_cents))
    _sub(_sub(_sub(payment, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
    _sub(_sub(payment, "ReqdExctnDt"), "Dt", execution_date.isoformat())
    _party_element(payment, "Dbtr", debtor_account)
    _sub(_sub(_sub(payment, "DbtrAcct"), "Id"), "IBAN", debtor_account.iban)
    debtor_institution = _sub(_sub(payment, "DbtrAgt"), "FinInstnId")
    if debtor_account.bic:
        _sub(debtor_institution, "BICFI", debtor_account.bic)
    else:
        _sub(_sub(debtor_institution, "Othr"), "Id", "NOTPROVIDED")  # EPC guidelines, when no BIC is given
    _sub(payment, "ChrgBr", "SLEV")

    for end_to_end_id, cents, creditor_account, remittance in checked:
        transaction = _sub(payment, "CdtTrfTxInf")
        _sub(_sub(transaction, "PmtId"), "EndToEndId", end_to_end_id)
        _sub(_sub(transaction, "Amt"), "InstdAmt", _cents_text(cents), Ccy=CURRENCY)
        if creditor_account.bic:
            _sub(_sub(_sub(transaction, "CdtrAgt"), "FinInstnId"), "BICFI", creditor_account.bic)
        _party_element(transaction, "Cdtr", creditor_account)
        _sub(_sub(_sub(transaction, "CdtrAcct"), "Id"), "IBAN", creditor_account.iban)
        if remittance:
            _sub(_sub(transaction, "RmtInf"), "Ustrd", remittance)

    xml = b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(
        root, encoding="UTF-8", xml_declaration=False, pretty_print=True
    )
    validate(xml)
    return SepaFile(xml=xml, control_sum=Decimal(_cents_text(total_cents)), transaction_count=len(checked))


def creditor_problem(creditor: Party) -> str | None:
    """Why a file would refuse this beneficiary (IBAN, BIC, name, structured address), in French and
    without the IBAN; None when it would take it. The builder runs the very same checks."""
    try:
        _checked_party(creditor, "du bénéficiaire")
    except (ValueError, TypeError) as error:
        return str(error)
    return None


def validate(xml: bytes) -> None:
    """Validate against the official pain.001.001.09 XSD, then check the control sums and counts
    (which a schema cannot express and which banks check). Raises SepaValidationError."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        document = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as error:
        raise SepaValidationError([f"XML mal formé : {error}"]) from None
    schema = _schema()
    if not schema.validate(document):
        # libxml2 quotes offending values: mask every IBAN of the document (security baseline, DESIGN.md).
        ibans = sorted({node.text.strip() for node in document.iter(f"{{{NAMESPACE}}}IBAN") if node.text}, key=len)
        raise SepaValidationError([_schema_message(entry, ibans[::-1]) for entry in schema.error_log])
    _check_totals(document)


# --- internals -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CheckedParty:
    name: str
    iban: str
    bic: str | None
    street: str
    building_number: str
    postal_code: str
    town: str
    country: str


def _check_identifier(value: str, label: str) -> None:
    """EPC guidelines: identifiers use the SEPA character set, 1 to 35 characters, no leading or trailing
    "/" and no "//". They are references for reconciliation, so they are refused, never rewritten."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{label} est vide.")
    if len(value) > MAX_ID_LENGTH:
        raise ValueError(f"{label} dépasse {MAX_ID_LENGTH} caractères ({len(value)}).")
    if not SEPA_TEXT.fullmatch(value):
        raise ValueError(f"{label} contient des caractères hors du jeu de caractères SEPA.")
    if value.startswith("/") or value.endswith("/") or "//" in value:
        raise ValueError(f"{label} ne peut ni commencer ni finir par « / », ni contenir « // ».")


def _amount_cents(amount: Decimal, label: str) -> int:
    if isinstance(amount, bool) or not isinstance(amount, Decimal):
        raise TypeError(f"Le montant {label} doit être un Decimal, jamais un float ni un entier.")
    if not amount.is_finite():
        raise ValueError(f"Le montant {label} n'est pas un nombre.")
    if amount <= 0:
        raise ValueError(f"Le montant {label} doit être strictement positif ({_french(amount)} €).")
    if amount > MAX_AMOUNT:
        raise ValueError(f"Le montant {label} dépasse le maximum d'un virement SEPA ({_french(MAX_AMOUNT)} €).")
    if round_money(amount) != amount:
        raise ValueError(f"Le montant {label} a plus de deux décimales ({_french(amount)} €).")
    return to_cents(amount)


def _checked_party(party: Party, label: str) -> _CheckedParty:
    if not isinstance(party.iban, str):
        raise TypeError(f"L'IBAN {label} doit être une chaîne de caractères.")
    try:
        iban = IBAN(party.iban, validate_bban=True)
    except ValueError:
        # `from None`: schwifty's own exception must not carry the IBAN into a traceback or a log.
        raise ValueError(f"L'IBAN {label} est invalide.") from None
    if not iban.in_sepa_zone:
        raise ValueError(f"L'IBAN {label} n'appartient pas à la zone SEPA.")

    bic = None
    if party.bic and party.bic.strip():
        try:
            bic = BIC(party.bic).compact
        except ValueError:
            raise ValueError(f"Le BIC {label} est invalide.") from None
    elif iban.country_code not in EEA_COUNTRIES:
        raise ValueError(f"Le BIC {label} est obligatoire : sa banque est dans un pays SEPA hors de l'EEE.")

    name = to_sepa_text(party.name or "", MAX_NAME_LENGTH)
    if not name:
        raise ValueError(f"Le nom {label} est vide une fois converti au jeu de caractères SEPA.")
    address = party.address
    town = to_sepa_text(address.town or "", MAX_TOWN_LENGTH)
    if not town:
        raise ValueError(f"La ville de l'adresse {label} est obligatoire (adresse structurée).")
    country = (address.country or "").strip().upper()
    if not re.fullmatch("[A-Z]{2}", country):
        raise ValueError(f"Le pays de l'adresse {label} doit être un code ISO à deux lettres (FR).")
    return _CheckedParty(
        name=name,
        iban=iban.compact,
        bic=bic,
        street=to_sepa_text(address.street or "", MAX_STREET_LENGTH),
        building_number=to_sepa_text(address.building_number or "", MAX_BUILDING_NUMBER_LENGTH),
        postal_code=to_sepa_text(address.postal_code or "", MAX_POSTAL_CODE_LENGTH),
        town=town,
        country=country,
    )


def _party_element(parent: etree._Element, tag: str, party: _CheckedParty) -> None:
    element = _sub(parent, tag)
    _sub(element, "Nm", party.name)
    # PostalAddress24 order: StrtNm, BldgNb, PstCd, TwnNm, Ctry. Never AdrLine (unstructured).
    address = _sub(element, "PstlAdr")
    for child, text in (
        ("StrtNm", party.street),
        ("BldgNb", party.building_number),
        ("PstCd", party.postal_code),
        ("TwnNm", party.town),
        ("Ctry", party.country),
    ):
        if text:
            _sub(address, child, text)


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def _cents_text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _french(amount: Decimal) -> str:
    return str(amount).replace(".", ",")


_local = threading.local()


def _schema() -> etree.XMLSchema:
    # An XMLSchema keeps its error log on itself: one per thread, never shared between threads.
    schema = getattr(_local, "schema", None)
    if schema is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        schema = _local.schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH), parser))
    return schema


def _schema_message(entry, ibans: list[str]) -> str:
    message = entry.message.replace(f"{{{NAMESPACE}}}", "")
    for iban in ibans:
        if iban:
            message = message.replace(iban, "[IBAN masqué]")
    message = _IBAN_LIKE.sub("[IBAN masqué]", message)
    return f"ligne {entry.line} : {message}"


def _check_totals(document: etree._Element) -> None:
    """NbOfTxs and CtrlSum, in the group header and in each PmtInf, must match the transactions."""
    ns = {"p": NAMESPACE}
    errors = []

    def amounts_cents(nodes) -> int:
        return sum(to_cents(Decimal(node.text)) for node in nodes)

    def compare(scope: str, element: etree._Element, transactions: list, amounts) -> None:
        count = element.findtext("p:NbOfTxs", namespaces=ns)
        if count is not None and int(count) != len(transactions):
            errors.append(f"{scope} : NbOfTxs vaut {count} pour {len(transactions)} virement(s).")
        control_sum = element.findtext("p:CtrlSum", namespaces=ns)
        if control_sum is not None:
            expected = amounts_cents(amounts)
            if round_money(Decimal(control_sum)) != Decimal(control_sum) or to_cents(Decimal(control_sum)) != expected:
                errors.append(f"{scope} : CtrlSum vaut {control_sum} au lieu de {_cents_text(expected)}.")

    try:
        header = document.find("p:CstmrCdtTrfInitn/p:GrpHdr", namespaces=ns)
        transactions = document.findall(".//p:CdtTrfTxInf", namespaces=ns)
        compare("En-tête (GrpHdr)", header, transactions, document.findall(".//p:InstdAmt", namespaces=ns))
        for number, payment in enumerate(document.findall("p:CstmrCdtTrfInitn/p:PmtInf", namespaces=ns), start=1):
            compare(
                f"Lot n° {number} (PmtInf)",
                payment,
                payment.findall("p:CdtTrfTxInf", namespaces=ns),
                payment.findall("p:CdtTrfTxInf/p:Amt/p:InstdAmt", namespaces=ns),
            )
    except ValueError as error:  # an amount with more than 2 decimals: allowed by the XSD, not by SEPA
        errors.append(f"Montant non exprimable en centimes : {error}")
    if errors:
        raise SepaValidationError(errors)
