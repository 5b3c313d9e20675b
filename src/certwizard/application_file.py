"""Read an application from a TOML or JSON file into an ApplicationDraft (for `certwizard apply --from`).

The file uses the same fields as the wizard, grouped for readability:

    domains = ["www.example.com", "example.com"]      # or one string: "www.example.com, example.com"
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
    documents = ["stamped-letter.jpg"]                # optional, top level
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from certwizard.domain.models import ApplicationDraft, CsrMode
from certwizard.securefs import read_regular_file

MAX_APPLICATION_FILE = 256 * 1024
MAX_CSR_FILE = 16 * 1024

_APPLICANT = {"name": "applicant_name", "phone": "applicant_phone", "email": "applicant_email",
              "id_number": "applicant_id_number"}
_COMPANY = {"name": "company_name", "type": "company_type", "phone": "company_phone",
            "organization_id": "company_organization_id", "country": "company_country",
            "province": "company_province", "city": "company_city", "address": "company_address",
            "zip_code": "company_zip_code"}
_TOP_LEVEL = {"domains", "applicant", "company", "csr", "documents"}


class ApplicationFileError(ValueError):
    """The file cannot be read or has the wrong shape; the message says where and what is expected."""


@dataclass
class ApplicationFile:
    values: dict[str, Any]
    documents: list[Path] = field(default_factory=list)

    def apply_to(self, draft: ApplicationDraft) -> ApplicationDraft:
        return draft.model_copy(update=self.values)


def _section(data: dict[str, Any], name: str, mapping: dict[str, str]) -> dict[str, str]:
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise ApplicationFileError(f"[{name}] must be a table of fields: {', '.join(mapping)}")
    unknown = sorted(set(section) - set(mapping))
    if unknown:
        raise ApplicationFileError(f"[{name}] has unknown field(s) {', '.join(unknown)}; "
                                   f"known: {', '.join(mapping)}")
    return {mapping[key]: str(value) for key, value in section.items()}


def _domains(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    raise ApplicationFileError('domains must be a list of names, e.g. domains = ["www.example.com"]')


def _csr(data: dict[str, Any], base: Path) -> dict[str, Any]:
    section = data.get("csr", {})
    if not isinstance(section, dict):
        raise ApplicationFileError('[csr] must be a table, e.g. mode = "automatic" and key = "ec-p256"')
    mode = str(section.get("mode", CsrMode.AUTOMATIC.value))
    if mode not in (CsrMode.AUTOMATIC.value, CsrMode.MANUAL.value):
        raise ApplicationFileError(f'csr.mode {mode!r} is not known; use "automatic" or "manual"')
    values: dict[str, Any] = {"csr_mode": mode}
    if mode == CsrMode.AUTOMATIC.value:
        values["key_algorithm"] = str(section.get("key", ""))
        values["encrypt_key"] = bool(section.get("encrypt_key", False))
        return values
    if "file" in section:
        path = (base / str(section["file"])).expanduser()
        try:
            values["csr_pem"] = read_regular_file(path, MAX_CSR_FILE).decode("ascii", errors="replace")
        except OSError as exc:
            raise ApplicationFileError(f"csr.file {path}: {exc.strerror or exc}") from None
    elif "pem" in section:
        values["csr_pem"] = str(section["pem"])
    else:
        raise ApplicationFileError('a manual CSR needs file = "request.csr" or pem = "-----BEGIN ..."')
    return values


def parse_application(text: str, suffix: str, base: Path) -> ApplicationFile:
    try:
        data = json.loads(text) if suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        kind = "JSON" if suffix == ".json" else "TOML"
        raise ApplicationFileError(f"not valid {kind}: {exc}") from None
    if not isinstance(data, dict):
        raise ApplicationFileError("the file must hold a table/object of fields")
    unknown = sorted(set(data) - _TOP_LEVEL)
    if unknown:
        raise ApplicationFileError(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(_TOP_LEVEL))}")
    values: dict[str, Any] = {}
    if "domains" in data:
        values["domains"] = _domains(data["domains"])
    values.update(_section(data, "applicant", _APPLICANT))
    values.update(_section(data, "company", _COMPANY))
    values.update(_csr(data, base))
    documents = data.get("documents", [])
    if not isinstance(documents, list):
        raise ApplicationFileError('documents must be a list of paths, e.g. documents = ["letter.jpg"]')
    return ApplicationFile(values, [(base / str(d)).expanduser() for d in documents])


def read_application_file(path: Path) -> ApplicationFile:
    try:
        raw = read_regular_file(path, MAX_APPLICATION_FILE)
    except OSError as exc:
        raise ApplicationFileError(f"{path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApplicationFileError(f"{path}: not UTF-8 text") from None
    return parse_application(text, path.suffix.lower(), path.parent)
