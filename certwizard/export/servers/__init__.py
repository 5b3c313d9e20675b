"""Every server type an export can be written for, one `ServerLayout` record each, in the order the CLI, the
export dialog and the palette list them (the first is the dialog's default).

A new server type: a module beside these with its record (name, labels, picker line, files, README), and one
line in SERVERS below. Nothing else names the servers.
"""

from __future__ import annotations

from collections.abc import Iterable

from certwizard.domain.text import printable
from certwizard.export.errors import ExportError
from certwizard.export.layout import ServerLayout
from certwizard.export.servers.apache import APACHE
from certwizard.export.servers.iis import IIS
from certwizard.export.servers.nginx import NGINX
from certwizard.export.servers.pem import PEM
from certwizard.export.servers.tomcat import TOMCAT

# Read when used (never copied at import), so that a record added here shows up everywhere.
SERVERS: dict[str, ServerLayout] = {layout.name: layout for layout in (NGINX, APACHE, TOMCAT, IIS, PEM)}


def server_layout(server: ServerLayout | str) -> ServerLayout:
    """The record for a --server name (a record is returned as it is); ExportError for an unknown name."""
    if isinstance(server, ServerLayout):
        return server
    try:
        return SERVERS[server]
    except KeyError:
        raise ExportError(f"unknown server type {printable(str(server))!r}; choose one of: "
                          f"{', '.join(SERVERS)}") from None


def default_server() -> ServerLayout:
    return next(iter(SERVERS.values()))


def layouts_without_pkcs12() -> list[ServerLayout]:
    """The layouts that work without the private key (a manual-CSR order): all but the .pfx ones."""
    return [layout for layout in SERVERS.values() if not layout.pkcs12]


def spoken_list(words: Iterable[str], last: str = "or") -> str:
    """'nginx, Apache or PEM'."""
    items = list(words)
    return f"{', '.join(items[:-1])} {last} {items[-1]}" if len(items) > 1 else "".join(items)


__all__ = ["SERVERS", "ServerLayout", "server_layout", "default_server", "layouts_without_pkcs12",
           "spoken_list", "NGINX", "APACHE", "TOMCAT", "IIS", "PEM"]
