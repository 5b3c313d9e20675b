"""Command palette (ctrl+p): the main actions, reachable by name from any screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from textual.command import DiscoveryHit, Hit, Hits, Provider


class PaletteCommand(NamedTuple):
    name: str
    help: str
    run: Callable[[], object]


def _export_selected(app) -> None:
    from certwizard.ui.screens.issued import export_selected

    export_selected(app)


class CertWizardCommands(Provider):
    """Add purchased certificate, Apply, Unissued and Issued certificates, Export, Refresh, Help."""

    def commands(self) -> list[PaletteCommand]:
        app = self.app
        return [
            PaletteCommand("Add purchased certificate",
                           "Register a certificate you bought, then apply for it", app.add_purchased),
            PaletteCommand("Apply for the selected certificate",
                           "Open (or continue) the application of the certificate selected on the home screen",
                           app.apply_selected),
            PaletteCommand("Unissued certificates",
                           "Submitted applications: what to publish, review status, withdraw",
                           app.action_unissued),
            PaletteCommand("Issued certificates",
                           "Certificates the CA issued: validity, fingerprints, does the key match; export",
                           app.action_issued),
            PaletteCommand("Export the selected certificate",
                           "Write the selected issued certificate for nginx, Apache, Tomcat, IIS or as PEM",
                           lambda: _export_selected(app)),
            PaletteCommand("Refresh status from the certificate authority",
                           "Ask the CA about every submitted application now", app.action_check_status),
            PaletteCommand("Help", "How applying works, what to do after submitting, CSRs by hand",
                           app.action_help),
        ]

    async def discover(self) -> Hits:
        for command in self.commands():
            yield DiscoveryHit(command.name, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self.commands():
            score = matcher.match(command.name)
            if score > 0:
                yield Hit(score, matcher.highlight(command.name), command.run, help=command.help)
