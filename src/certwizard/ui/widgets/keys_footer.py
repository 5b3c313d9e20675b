"""The footer of every screen: Textual's Footer, rebuilt only when the keys it shows change.

Textual's Footer rebuilds all its keys (a dozen widgets, each styled) on every bindings signal: a screen
opening sends four (stack change, mount, focus, idle), a focus move one more. Each rebuild costs ~10 ms on
this machine and a footer line over SSH. Here a rebuild happens only if the shown keys (key, label,
enabled, tooltip) differ from those on screen, and keys that were only enabled or disabled are restyled in
place. Keys are filled in when the footer is mounted, so they are in the screen's first frame (Textual's
waits for the screen to be shown and refreshed), and each key is composed in its final (compact) style
(Textual sets that style once the key is mounted, which laid the footer out again a frame later).
"""

from __future__ import annotations

from typing import NamedTuple

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class ShownKey(NamedTuple):
    key: str
    key_display: str | None
    description: str
    action: str
    group: object
    enabled: bool
    tooltip: str

    def apart_from_enabled(self) -> tuple:
        return self._replace(enabled=True)


class KeysFooter(Footer):
    def __init__(self, *, compact: bool = True, show_command_palette: bool = True) -> None:
        super().__init__(compact=compact, show_command_palette=show_command_palette)
        self._keys_shown: tuple[ShownKey, ...] | None = None

    def on_mount(self) -> None:
        # Textual's Footer fills in its keys once its screen is shown and refreshed: a frame (or two, as the
        # keys settle) after the screen. Filled in now, they are in the screen's first frame.
        self.bindings_changed(self.screen)
        self.call_next(self.recompose)

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            widget.set_class(self.compact, "-compact", update=False)
            yield widget

    async def recompose(self) -> None:
        keys = self._keys_to_show() if self.is_attached else None
        if keys is not None and keys == self._keys_shown:
            return
        if keys is not None and self._keys_shown is not None and self._regrey(keys):
            self._keys_shown = keys
            return
        self._keys_shown = keys
        await super().recompose()

    def _regrey(self, keys: tuple[ShownKey, ...]) -> bool:
        """Only some keys were enabled or disabled (e.g. while a worker runs): restyle those in place rather
        than rebuild the footer, which laid the screen out twice. False if anything else changed."""
        assert self._keys_shown is not None
        if [k.apart_from_enabled() for k in keys] != [k.apart_from_enabled() for k in self._keys_shown]:
            return False
        enabled = {(k.key, k.action): k.enabled for k in keys}
        shown = list(self.query(FooterKey))
        if any((key.key, key.action) not in enabled for key in shown):
            return False
        changed = [key for key in shown if key.has_class("-disabled") == enabled[key.key, key.action]]
        for key in changed:     # a click on a greyed key still does nothing: the app's check_action decides
            key.set_class(not enabled[key.key, key.action], "-disabled", update=False)
        if changed:             # restyled together: one by one cost ~1.5 ms a key
            self.app.stylesheet.update_nodes(changed, animate=False)
        return True

    def _keys_to_show(self) -> tuple[ShownKey, ...]:
        return tuple(
            ShownKey(binding.key, binding.key_display, binding.description, binding.action, binding.group,
                     enabled, tooltip)
            for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
            if binding.show or binding.key == self.app.COMMAND_PALETTE_BINDING)
