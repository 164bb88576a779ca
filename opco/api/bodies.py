"""Reading request bodies and JSON within bounds: size, nesting, NUL characters (opco.api)."""

import json
import re
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

# The deepest payload of the API is 4 levels (payload → contrat → remunerations → [i]); 16 leaves room
# for keys the services ignore and keeps every reader, serializer and deep copy far from recursion limits.
MAX_JSON_DEPTH = 16
NUL_REFUSED = "caractère nul (U+0000) interdit"
NUL_IN_KEY = "caractère nul (U+0000) interdit dans un nom de champ"
SURROGATE_REFUSED = "caractère Unicode invalide (demi-paire de substitution isolée)"
TOO_DEEP = f"JSON refusé : plus de {MAX_JSON_DEPTH} niveaux d'imbrication"
FORM_REFUSED = "Formulaire illisible : contenu mal formé, trop de champs ou trop volumineux"

# A JSON string, or a quote that opens one never closed, or a bracket.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|["\[\]{}]', re.DOTALL)
_SURROGATES = re.compile("[\ud800-\udfff]")
# The messages of Python's JSON reader, in French (matched on their beginning).
_JSON_MESSAGES = (
    ("Expecting value", "valeur attendue"),
    ("Expecting property name enclosed in double quotes", "nom de champ entre guillemets doubles attendu"),
    ("Expecting ',' delimiter", "virgule attendue"),
    ("Expecting ':' delimiter", "deux-points attendu"),
    ("Unterminated string", "chaîne de caractères non terminée"),
    ("Invalid control character", "caractère de contrôle interdit dans une chaîne"),
    ("Invalid \\uXXXX escape", "séquence \\uXXXX invalide"),
    ("Invalid \\escape", "séquence d'échappement invalide"),
    ("Extra data", "contenu en trop après la fin du JSON"),
    ("Unexpected UTF-8 BOM", "marque d'ordre des octets (BOM) inattendue"),
)


def too_big() -> str:
    return f"Contenu trop volumineux : {grouped(settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024)} Ko au plus"


def grouped(number: int) -> str:
    """12345 → « 12 345 » (narrow no-break space, as opco.money.euros)."""
    return f"{number:,}".replace(",", "\u202f")


class JsonRefused(ValueError):
    """JSON that is not read, with its French reason and, when known, where (1-based line and column)."""

    def __init__(self, reason: str, line: int | None = None, column: int | None = None):
        self.reason, self.line, self.column = reason, line, column
        super().__init__(self.message())

    def message(self, *, lines: bool = True) -> str:
        """The reason and where: « (ligne 1, colonne 17) », or « (colonne 17) » for a one-line text."""
        if self.column is None:
            return self.reason
        where = f"ligne {self.line}, colonne {self.column}" if lines else f"colonne {self.column}"
        return f"{self.reason} ({where})"


class _NotANumber(ValueError):
    pass


def _refuse_constant(name: str):
    raise _NotANumber(name)


def _line_and_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def _too_deep_at(text: str) -> int | None:
    """The offset of the first bracket opening level MAX_JSON_DEPTH + 1, found without recursion."""
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token[0] == '"':
            if len(token) == 1:
                return None  # a string never closed: the reader refuses the text at or before it
            continue
        if token in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return match.start()
        else:
            depth -= 1
    return None


def json_load_bounded(text: str) -> Any:
    """`json.loads` that never recurses past MAX_JSON_DEPTH and refuses NaN and Infinity; every refusal
    is a JsonRefused with a French reason (never the reader's English)."""
    deep = _too_deep_at(text)
    if deep is not None:
        raise JsonRefused(TOO_DEEP, *_line_and_column(text, deep))
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except _NotANumber:
        raise JsonRefused("JSON invalide : NaN et Infinity ne sont pas des nombres JSON") from None
    except json.JSONDecodeError as exc:
        reason = next((french for english, french in _JSON_MESSAGES if exc.msg.startswith(english)), "syntaxe incorrecte")
        raise JsonRefused(f"JSON invalide : {reason}", exc.lineno, exc.colno) from None
    except ValueError:  # an integer beyond Python's conversion limit
        raise JsonRefused(f"JSON invalide : nombre de plus de {grouped(sys.get_int_max_str_digits())} chiffres") from None
    except RecursionError:  # not reached (the depth is bounded above); never a 500 all the same
        raise JsonRefused(TOO_DEEP) from None


def json_problems(data: Any) -> dict[str, str]:
    """What PostgreSQL or a recursive reader would choke on in parsed JSON, by dotted path
    (`apprenti.nom`, `maitres_apprentissage[1].prenom`; « payload » for the top): NUL characters and
    lone surrogates in strings and keys, nesting deeper than MAX_JSON_DEPTH. Walked without recursion."""
    problems: dict[str, str] = {}
    stack: list[tuple[str, Any, int]] = [("", data, 0)]
    while stack:
        path, value, depth = stack.pop()
        where = path or "payload"
        if isinstance(value, str):
            if "\x00" in value:
                problems[where] = NUL_REFUSED
            elif _SURROGATES.search(value):
                problems[where] = SURROGATE_REFUSED
            continue
        if not isinstance(value, (dict, list, tuple)):
            continue
        if depth >= MAX_JSON_DEPTH:
            problems[where] = TOO_DEEP
            continue
        if isinstance(value, dict):
            for key, item in value.items():
                key = str(key)
                if "\x00" in key or _SURROGATES.search(key):
                    problems[where] = NUL_IN_KEY if "\x00" in key else SURROGATE_REFUSED
                    continue
                stack.append((f"{path}.{key}" if path else key, item, depth + 1))
        else:
            stack.extend((f"{path}[{index}]", item, depth + 1) for index, item in enumerate(value))
    return problems


# --- Parsers ------------------------------------------------------------------------------------------------
class BoundedJSONParser(JSONParser):
    """JSON bodies of at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes, in UTF-8, nested at most MAX_JSON_DEPTH
    deep, without NUL characters: otherwise a ParseError whose detail maps fields to French messages."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise ParseError(too_big())
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ParseError("Contenu illisible : le JSON doit être encodé en UTF-8") from None
        try:
            data = json_load_bounded(text)
        except JsonRefused as exc:
            raise ParseError(exc.message()) from None
        problems = json_problems(data)
        if problems:
            raise ParseError(problems)
        return data


class FrenchMultiPartParser(MultiPartParser):
    """multipart/form-data (a file with its fields), refused in French when it cannot be read."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except (ParseError, SuspiciousOperation):
            raise ParseError(FORM_REFUSED) from None


class FrenchFormParser(FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except (ParseError, SuspiciousOperation):
            raise ParseError(FORM_REFUSED) from None
