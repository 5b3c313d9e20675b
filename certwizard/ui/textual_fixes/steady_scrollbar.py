"""A vertical scrollbar that repaints only when what it shows has changed."""

from __future__ import annotations

from textual.scrollbar import ScrollBar
from textual.widget import Widget


class SteadyScrollBar(ScrollBar):
    """Textual repaints a widget's scrollbars whenever the widget's styles are applied again, changed or not:
    on every return to a screen. That repaint came as a frame of its own after the screen's (~30 ms later,
    for a scrollbar that looked the same). Here a repaint is skipped when nothing the bar draws changed."""

    _painted: tuple | None = None

    def render(self):
        self._painted = self._look()
        return super().render()

    def refresh(self, *regions, repaint: bool = True, layout: bool = False, recompose: bool = False):
        if (self._painted is not None and repaint and not (regions or layout or recompose)
                and self._look() == self._painted):
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _look(self) -> tuple:
        parent = self.parent
        if not isinstance(parent, Widget):
            return ()
        styles = parent.styles
        return (self.size, self.window_virtual_size, self.window_size, self.position, self.thickness,
                self.grabbed, self.mouse_over, parent.background_colors,
                styles.scrollbar_background, styles.scrollbar_background_hover, styles.scrollbar_background_active,
                styles.scrollbar_color, styles.scrollbar_color_hover, styles.scrollbar_color_active,
                self.screen.styles.scrollbar_color.a == 0)


def steady_vertical_scrollbar(widget: Widget) -> ScrollBar:
    """`widget.vertical_scrollbar`, made a SteadyScrollBar (what Widget.vertical_scrollbar does, with our class)."""
    if widget._vertical_scrollbar is None:
        widget._vertical_scrollbar = bar = SteadyScrollBar(vertical=True, name="vertical",
                                                           thickness=widget.scrollbar_size_vertical)
        bar.display = False
        widget.app._start_widget(widget, bar)
        # Styled now, not by the next restyle of the screen (whose style changes would lay it out again).
        widget.app.stylesheet.apply(bar, animate=False)
    return widget._vertical_scrollbar
