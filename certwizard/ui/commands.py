"""Command palette (ctrl+p): the main actions from any screen, and every key of the current screen by name.

The screen's keys are read from the same place the footer reads them (`Screen.active_bindings`), so whatever
the footer offers can be found here under the same name, and the palette cannot drift from the footer.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, NamedTuple, cast

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

if TYPE_CHECKING:
    from certwizard.ui.app import CertWizardApp


class PaletteCommand(NamedTuple):
    name: str
    help: str
    run: Callable[[], object]


def export_targets() -> str:
    """'nginx, Apache, Tomcat, IIS or as PEM', from the server records (imported here, not before the first
    screen: the palette is built when it opens)."""
    from certwizard.export.servers import SERVERS, spoken_list

    return spoken_list(layout.palette_label or layout.short_label for layout in SERVERS.values())


def _export_selected(app) -> None:
    from certwizard.ui.screens.issued import export_selected

    export_selected(app)


def screen_key_commands(app: App, screen) -> list[PaletteCommand]:
    """A command for every key of `screen` that has a description (what its footer shows, and the keys it
    lists elsewhere, e.g. sort), named as the footer names it; of the app-wide keys, those in the footer."""
    found: dict[str, PaletteCommand] = {}
    for namespace, binding, enabled, tooltip in screen.active_bindings.values():
        if (not binding.description or (namespace is app and not binding.show)
                or binding.key == app.COMMAND_PALETTE_BINDING):
            continue
        name = binding.description
        if name in found:
            continue
        key = app.get_key_display(binding)
        why = tooltip or binding.tooltip
        help_text = f"{key} on this screen" + (f": {why}" if why else "")
        run = partial(_run_key, app, namespace, binding.action, enabled, name)
        found[name] = PaletteCommand(name, help_text if enabled else f"{help_text} (not possible now)", run)
    return list(found.values())


async def _run_key(app: App, namespace: DOMNode, action: str, enabled: bool, name: str) -> None:
    if not enabled:
        explain = getattr(namespace, "explain_unavailable", None)
        if explain is not None:
            explain(action)
        else:
            app.notify(f"{name}: not possible now.", severity="warning", markup=False)
        return
    await app.run_action(action, namespace)


class CertWizardCommands(Provider):
    """Add purchased certificate, Apply, Unissued and Issued certificates, Export, Refresh, Help; then every
    key of the screen the palette was opened on."""

    def commands(self) -> list[PaletteCommand]:
        main = self.main_commands()
        names = {command.name.casefold() for command in main}
        keys = [command for command in screen_key_commands(self.app, self.screen)
                if command.name.casefold() not in names]
        return main + keys

    def main_commands(self) -> list[PaletteCommand]:
        app = cast("CertWizardApp", self.app)
        return [
            PaletteCommand("Add purchased certificate",
                           "Register a certificate you bought, then apply for it", app.add_purchased),
            PaletteCommand("Add an ACME account",
                           "Let's Encrypt, ZeroSSL, Google, Buypass, step-ca...: register, then add its "
                           "certificates", app.add_acme_account),
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
                           f"Write the selected issued certificate for {export_targets()}",
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
                yield Hit(score, matcher.highlight(command.name), command.run, text=command.name,
                          help=command.help)
            elif (score := matcher.match(f"{command.name} {command.help}")) > 0:
                # Found by what it does ('profiles' finds Save profile): listed after the name matches.
                yield Hit(score / 2, command.name, command.run, text=command.name, help=command.help)
