"""Read an application from a TOML or JSON file into an ApplicationDraft (for `certwizard apply --from`).

The file uses the same fields as the wizard (their keys are declared in `certwizard.domain.form_fields`),
grouped for readability:

    domains = ["www.example.com", "example.com"]      # or one string: "www.example.com, example.com"
    documents = ["stamped-letter.jpg"]                # optional; professional (OV/EV) products need one
    [applicant]
    name = "Li Lei"
    phone = "+86 138 0013 8000"
    email = "lilei@example.com"
    id_number = "11010519491231002X"
    [company]                                         # professional (OV/EV) products only
    name = "Example Ltd"
    type = "private"
    phone = "+86 571 8502 2088"
    organization_id = "91330100MA27XY1234"
    country = "CN"
    province = "Zhejiang"
    city = "Hangzhou"
    address = "969 West Wenyi Road"
    zip_code = "311121"
    [csr]
    mode = "automatic"                                # or "manual" with file = "request.csr" (or pem = "...")
    key = "ec-p256"
    encrypt_key = false
    [validation]                                      # optional: how the domains are proven
    method = "http"                                   # or "dns" (the default; wildcards need it)
    webroot = "/var/www/html"                         # http: certwizard writes the file there itself
    hook = "/usr/local/bin/publish-proof"             # or an executable that publishes and removes it

A JSON file holds the same keys as one object ({"domains": [...], "applicant": {...}, "csr": {...}}).
Relative paths (csr.file, documents, validation.webroot and .hook) are read from the application file's folder.

Only the shape is checked here (known keys, right types); the values get the same validation as in the wizard.
Every error names the key (or the line, for a syntax error) and what would be accepted.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from certwizard.domain.form_fields import FIELDS, Block, block_fields
from certwizard.domain.models import ApplicationDraft, CsrMode
from certwizard.domain.text import printable
from certwizard.errors import CertwizardError
from certwizard.system.securefs import read_regular_file

MAX_APPLICATION_FILE = 256 * 1024
MAX_CSR_FILE = 16 * 1024
SUFFIXES = (".toml", ".json")

# [applicant] and [company]: key in the table -> draft field
_SECTIONS = {block.value: {declared.file_name: declared.name for declared in block_fields(block)}
             for block in Block}
_AUTOMATIC_KEYS = ("mode", "key", "encrypt_key")
_MANUAL_KEYS = ("mode", "file", "pem")
_VALIDATION = {"method": "validation_method", "webroot": "validation_webroot", "hook": "validation_hook"}
_TOP_LEVEL = ("domains", "documents", *_SECTIONS, "csr", "validation")
_EXAMPLES = {**{declared.file_key: declared.file_example for declared in FIELDS}, "csr.key": '"ec-p256"',
             "validation.method": '"dns"', "validation.webroot": '"/var/www/html"',
             "validation.hook": '"/usr/local/bin/publish-proof"'}
_FILE_KEYS = {declared.name: declared.file_key for declared in FIELDS}


def file_key(draft_field: str) -> str:
    """How an application file spells a draft field (`applicant_phone` -> `applicant.phone`)."""
    if draft_field in _FILE_KEYS:
        return _FILE_KEYS[draft_field]
    return {"csr_mode": "csr.mode", "key_algorithm": "csr.key", "encrypt_key": "csr.encrypt_key",
            "csr_pem": "csr.file", **{field: f"validation.{key}" for key, field in _VALIDATION.items()}
            }.get(draft_field, draft_field)


class ApplicationFileError(CertwizardError, ValueError):
    """The file cannot be read or has the wrong shape; the message says where and what is expected."""


@dataclass
class ApplicationFile:
    values: dict[str, Any]
    documents: list[Path] | None = None      # None: the file does not mention documents (keep what is there)
    file_keys: dict[str, str] = field(default_factory=dict)   # draft field name -> key in the file

    def apply_to(self, draft: ApplicationDraft) -> ApplicationDraft:
        return draft.model_copy(update=self.values)

    def key_for(self, draft_field: str) -> str:
        """How the user's file names a draft field, so messages point at the right line of their file."""
        return self.file_keys.get(draft_field) or file_key(draft_field)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "text" if isinstance(value, str) else type(value).__name__


def _text(value: Any, key: str) -> str:
    if isinstance(value, str):
        return value
    example = _EXAMPLES.get(key, '"..."')
    raise ApplicationFileError(f"{key} must be text in quotes, e.g. {key.rsplit('.', 1)[-1]} = {example}; "
                               f"it is {_type_name(value)}")


def _table(data: dict[str, Any], name: str, known: tuple[str, ...] | list[str]) -> dict[str, Any]:
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise ApplicationFileError(f"{name} must be a table ([{name}] in TOML, an object in JSON) with the "
                                   f"fields {', '.join(known)}; it is {_type_name(section)}")
    unknown = [key for key in section if key not in known]
    if unknown:
        shown = ", ".join(printable(k) for k in unknown)
        raise ApplicationFileError(f"[{name}] has unknown field(s) {shown}; "
                                   f"the known fields are {', '.join(known)}")
    return section


def _fields(data: dict[str, Any], name: str, mapping: dict[str, str]) -> dict[str, str]:
    section = _table(data, name, list(mapping))
    return {mapping[key]: _text(value, f"{name}.{key}") for key, value in section.items()}


def _validation(data: dict[str, Any], base: Path) -> dict[str, str]:
    """[validation]: the method as written, the webroot and hook as absolute paths (read from the file's folder)."""
    values = _fields(data, "validation", _VALIDATION)
    for name in ("validation_webroot", "validation_hook"):
        if values.get(name, "").strip():
            values[name] = str(base / values[name].strip())    # an absolute path stays as it is
    return values


def _domains(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise ApplicationFileError(f"domains[{index}] must be a name in quotes, e.g. "
                                           f'"www.example.com"; it is {_type_name(item)}')
        return "\n".join(value)
    raise ApplicationFileError('domains must be a list of names, e.g. domains = ["www.example.com"]; '
                               f"it is {_type_name(value)}")


def _csr(data: dict[str, Any], base: Path, keys: dict[str, str]) -> dict[str, Any]:
    section = _table(data, "csr", list(dict.fromkeys(_AUTOMATIC_KEYS + _MANUAL_KEYS)))
    mode = _text(section.get("mode", CsrMode.AUTOMATIC.value), "csr.mode")
    if mode not in (CsrMode.AUTOMATIC.value, CsrMode.MANUAL.value):
        raise ApplicationFileError(f'csr.mode {printable(mode)!r} is not known; use "automatic" (certwizard '
                                   'makes the key and CSR) or "manual" (you give the CSR)')
    allowed = _AUTOMATIC_KEYS if mode == CsrMode.AUTOMATIC.value else _MANUAL_KEYS
    misplaced = [key for key in section if key not in allowed]
    if misplaced:
        raise ApplicationFileError(f"csr.{misplaced[0]} does not apply to mode = {mode!r}; with that mode "
                                   f"the [csr] fields are {', '.join(allowed)}")
    values: dict[str, Any] = {"csr_mode": mode}
    if mode == CsrMode.AUTOMATIC.value:
        values["key_algorithm"] = _text(section.get("key", ""), "csr.key")
        encrypt = section.get("encrypt_key", False)
        if not isinstance(encrypt, bool):
            raise ApplicationFileError("csr.encrypt_key must be true or false (without quotes); "
                                       f"it is {_type_name(encrypt)}")
        values["encrypt_key"] = encrypt
        return values
    if "file" in section and "pem" in section:
        raise ApplicationFileError("give the manual CSR once: csr.file or csr.pem, not both")
    if "file" in section:
        path = (base / _text(section["file"], "csr.file")).expanduser()
        try:
            values["csr_pem"] = read_regular_file(path, MAX_CSR_FILE).decode("ascii", errors="replace")
        except OSError as exc:
            raise ApplicationFileError(f"csr.file {printable(str(path))}: {exc.strerror or exc}; give the "
                                       "path of the CSR file (relative paths start at the application "
                                       "file's folder)") from None
    elif "pem" in section:
        values["csr_pem"] = _text(section["pem"], "csr.pem")
        keys["csr_pem"] = "csr.pem"
    else:
        raise ApplicationFileError('a manual CSR needs file = "request.csr" or pem = "-----BEGIN ..." '
                                   "in [csr]")
    return values


def _documents(data: dict[str, Any], base: Path) -> list[Path] | None:
    if "documents" not in data:
        return None
    documents = data["documents"]
    if not isinstance(documents, list):
        raise ApplicationFileError("documents must be a list of image paths, e.g. "
                                   f'documents = ["letter.jpg"]; it is {_type_name(documents)}')
    paths = [(base / _text(item, f"documents[{index}]")).expanduser()
             for index, item in enumerate(documents)]
    return list(dict.fromkeys(paths))


def _syntax_error(kind: str, exc: Exception) -> ApplicationFileError:
    if isinstance(exc, json.JSONDecodeError):
        where = f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
    else:
        where = str(exc)  # tomllib says "... (at line N, column M)"
    return ApplicationFileError(f"not valid {kind} ({where}); fix that line and try again")


def parse_application(text: str, suffix: str, base: Path) -> ApplicationFile:
    """The draft values a file gives; `suffix` (.toml or .json) picks the syntax."""
    kind = "JSON" if suffix == ".json" else "TOML"
    try:
        data = json.loads(text) if kind == "JSON" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise _syntax_error(kind, exc) from None
    except RecursionError:      # '[' x 100,000, or thousands of tables inside one another: the parser's limit
        raise ApplicationFileError(f"not usable {kind}: lists or tables are nested inside one another more "
                                   "deeply than certwizard reads; an application file needs two levels at "
                                   "most (a table such as [applicant] holding text, or a list of names)"
                                   ) from None
    except ValueError as exc:   # Python's cap on the digits of an integer (int_max_str_digits, 4300)
        raise ApplicationFileError(f"not usable {kind}: a number has more digits than Python reads "
                                   f"({printable(str(exc).split(';')[0])}); no field is a number: write "
                                   'values as text in quotes, e.g. zip_code = "311121"') from None
    if not isinstance(data, dict):
        raise ApplicationFileError(f"the file must hold one object of fields ({', '.join(_TOP_LEVEL)}); "
                                   f"it holds {_type_name(data)}")
    unknown = [key for key in data if key not in _TOP_LEVEL]
    if unknown:
        raise ApplicationFileError(f"unknown field(s) {', '.join(printable(k) for k in unknown)}; the known "
                                   f"fields are {', '.join(_TOP_LEVEL)} (applicant and company fields go in "
                                   "their own [applicant] / [company] tables)")
    keys: dict[str, str] = {}   # only where this file differs from file_key(): csr.pem instead of csr.file
    values: dict[str, Any] = {}
    if "domains" in data:
        values["domains"] = _domains(data["domains"])
    for section, mapping in _SECTIONS.items():
        values.update(_fields(data, section, mapping))
    values.update(_csr(data, base, keys))
    values.update(_validation(data, base))
    return ApplicationFile(values, _documents(data, base), keys)


def read_application_file(path: Path) -> ApplicationFile:
    shown = printable(str(path))
    if path.suffix.lower() not in SUFFIXES:
        raise ApplicationFileError(f"{shown}: name the application file *.toml or *.json so its syntax is "
                                   "known")
    try:
        raw = read_regular_file(path, MAX_APPLICATION_FILE)
    except OSError as exc:
        raise ApplicationFileError(f"{shown}: {exc.strerror or exc}; give the path of a regular file of at "
                                   f"most {MAX_APPLICATION_FILE // 1024} KB") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApplicationFileError(f"{shown}: not UTF-8 text; save it as UTF-8") from None
    try:
        return parse_application(text, path.suffix.lower(), path.parent)
    except ApplicationFileError as exc:
        raise ApplicationFileError(f"{shown}: {exc}") from None
