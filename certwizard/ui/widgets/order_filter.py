"""Which orders of a list match the words typed in its filter."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from certwizard.domain.summary import OrderSummary


class OrderFilter:
    """Which orders match a typed filter, fast enough to run at every key with 50,000 orders.

    Each order's searchable text is made once per summary (summaries are reused until their order changes);
    the texts are lined up with the current list, and a query that extends the previous one only searches
    the previous matches."""

    def __init__(self, searchable: Callable[[OrderSummary], Iterable[str]]) -> None:
        self._searchable = searchable
        self._texts: dict[str, tuple[OrderSummary, str]] = {}
        self._ids: Sequence[str] | None = None
        self._lined_up: list[str] = []
        self._last: tuple[str, list[int]] | None = None      # (query, positions of its matches)

    def matching(self, summaries: Mapping[str, OrderSummary], ids: Sequence[str], query: str) -> Sequence[str]:
        words = query.casefold().split()
        if not words:
            return ids
        self.line_up(summaries, ids)
        texts = self._lined_up
        last = self._last
        positions: Iterable[int] = last[1] if last is not None and query.startswith(last[0]) else range(len(ids))
        if len(words) == 1:
            word = words[0]
            found = [k for k in positions if word in texts[k]]
        else:
            found = [k for k in positions if all(word in texts[k] for word in words)]
        self._last = (query, found)
        return [ids[k] for k in found]

    def line_up(self, summaries: Mapping[str, OrderSummary], ids: Sequence[str]) -> None:
        """Prepare the texts of `ids` (the first search of 10,000 orders would otherwise pay ~40 ms for it)."""
        if ids is not self._ids:
            self._ids = ids
            self._lined_up = [self._text(summaries[i]) for i in ids]
            self._last = None

    def _text(self, summary: OrderSummary) -> str:
        known = self._texts.get(summary.id)
        if known is not None and known[0] is summary:
            return known[1]
        text = " ".join(self._searchable(summary)).casefold()
        self._texts[summary.id] = (summary, text)
        return text
