"""The footer of every screen: the keys that work now, drawn as one line by one widget.

It looks and behaves like Textual's Footer (same colours and spacing, greyed keys, a click on a key presses
it, the command palette key on the right), but Textual's Footer is a row of a dozen widgets: composing,
styling, laying out and painting them cost ~80 M instructions of start-up (6 %, valgrind), and it rebuilt
all of them on every bindings signal (a screen opening sends four). Here the keys are data: a change of the
shown keys repaints one line, and nothing is laid out again.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.reactive import reactive
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

PALETTE_EDGE = "▏"      # Textual's "vkey" border, left of the command palette key
PALETTE = -1            # `_hover` on the command palette key
DIM = Style(dim=True)   # a key that does nothing now (Textual's FooterKey.-disabled)


class ShownKey(NamedTuple):
    key: str
    key_display: str
    description: str
    action: str
    enabled: bool
    tooltip: str


class _Item(NamedTuple):
    start: int          # the key's cells on the line: start <= x < end
    end: int
    key_index: int      # in `keys`, or PALETTE


class KeysFooter(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "keys-footer--item",
        "keys-footer--key",
        "keys-footer--description",
        "keys-footer--hover",
        "keys-footer--palette-edge",
    }
    DEFAULT_CSS = """
    KeysFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .keys-footer--item {
            background: $footer-item-background;
        }
        .keys-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .keys-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .keys-footer--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        .keys-footer--palette-edge {
            color: $foreground 20%;
        }
    }
    """

    keys: reactive[tuple[ShownKey, ...]] = reactive(())
    """The keys shown, in order (the command palette key is kept apart, on the right)."""
    _hover: reactive[int | None] = reactive(None)

    def __init__(self, *, compact: bool = True, show_command_palette: bool = True) -> None:
        """`compact`: Textual's compact footer spacing (key, space, description, space); otherwise each key is
        padded (space, key, space, description, space)."""
        super().__init__()
        self.compact = compact
        self.show_command_palette = show_command_palette
        self.palette_key: ShownKey | None = None
        self._items: list[_Item] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)      # filled in now: the keys are in the screen's first frame

    def bindings_changed(self, screen: Screen) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        by_action: dict[str, ShownKey] = {}      # as Textual's Footer: one key per action, the first bound
        palette = None
        for _node, binding, enabled, tooltip in screen.active_bindings.values():
            display = self.app.get_key_display(binding)
            if binding.show and binding.action not in by_action:
                by_action[binding.action] = ShownKey(binding.key, display, binding.description, binding.action,
                                                     enabled, tooltip)
            if binding.key == self.app.COMMAND_PALETTE_BINDING:
                palette = ShownKey(binding.key, display, binding.description, binding.action, enabled,
                                   binding.tooltip or binding.description)
        if not (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE):
            palette = None
        if palette != self.palette_key:
            self.palette_key = palette
            self.refresh()
        self.keys = tuple(by_action.values())      # a reactive: the same keys again repaint nothing

    def watch_keys(self) -> None:
        self._hover = None          # (both reactives repaint the line themselves)

    # --- drawing ---------------------------------------------------------------------------------------------

    def _pieces(self, key: ShownKey, compact: bool | None = None) -> tuple[str, str]:
        """The key and its description as Textual's FooterKey pads them."""
        if not key.description:
            return key.key_display, ""
        if self.compact if compact is None else compact:
            return key.key_display, f" {key.description}"
        return f" {key.key_display} ", f"{key.description} "

    def _styles(self, key: ShownKey, hovered: bool) -> tuple[Style, Style]:
        """(key, description) styles, as FooterKey combines them: its own style under its parts'."""
        look = self.rich_style + self.get_component_rich_style("keys-footer--item", partial=True)
        key_style = look + self.get_component_rich_style("keys-footer--key")
        description_style = look + self.get_component_rich_style("keys-footer--description")
        if hovered:
            hover = self.get_component_rich_style("keys-footer--hover")
            key_style, description_style = key_style + hover, description_style + hover
        if not key.enabled:
            key_style, description_style = key_style + DIM, description_style + DIM
        return key_style, description_style

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        blank = Style(bgcolor=base.bgcolor)
        palette_width = self._palette_width()
        room = max(0, width - palette_width)
        segments: list[Segment] = []
        items: list[_Item] = []
        x = 0
        for index, key in enumerate(self.keys):
            if x >= room:
                break
            key_text, description_text = self._pieces(key)
            key_style, description_style = self._styles(key, index == self._hover)
            segments.append(Segment(key_text, key_style))
            if description_text:
                segments.append(Segment(description_text, description_style))
            length = cell_len(key_text) + cell_len(description_text)
            items.append(_Item(x, x + length, index))
            x += length
            if self.compact:
                segments.append(Segment(" ", blank))     # Textual's margin between compact keys
                x += 1
        line = list(Strip(segments).crop_extend(0, room, blank))
        if self.palette_key is not None and palette_width <= width:
            key = self.palette_key
            key_text, description_text = self._pieces(key, compact=True)   # as Textual's, whatever the rest
            key_style, description_style = self._styles(key, self._hover == PALETTE)
            line.append(Segment(PALETTE_EDGE, base + self.get_component_rich_style("keys-footer--palette-edge")))
            line.append(Segment(key_text, key_style))
            if description_text:
                line.append(Segment(description_text, description_style))
            line.append(Segment(" ", blank))           # Textual's margin (compact) or padding
            items.append(_Item(room + 1, width - 1, PALETTE))
        self._items = items
        return Strip(line).crop_extend(0, width, blank).simplify()

    def _palette_width(self) -> int:
        if self.palette_key is None:
            return 0
        key_text, description_text = self._pieces(self.palette_key, compact=True)
        return 1 + cell_len(key_text) + cell_len(description_text) + 1

    # --- the mouse ---------------------------------------------------------------------------------------------

    def _key_at(self, x: int) -> tuple[int, ShownKey] | None:
        """(index in `keys`, or PALETTE; the key) under column `x`."""
        for item in self._items:
            if item.start <= x < item.end:
                key = self.palette_key if item.key_index == PALETTE else self.keys[item.key_index]
                return (item.key_index, key) if key is not None else None
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        found = self._key_at(event.x)
        self._hover = found[0] if found else None
        self.tooltip = (found[1].tooltip or None) if found else None

    def on_leave(self, event: events.Leave) -> None:
        self._hover = None

    def on_mouse_down(self, event: events.MouseDown) -> None:
        found = self._key_at(event.x)
        if found is None:
            return
        key = found[1]
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()
