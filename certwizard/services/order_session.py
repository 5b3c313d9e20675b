"""The order the Apply screen edits, and the one lock every write to it goes through.

Draft saves run in thread workers while documents are attached in others; without one lock two of them could
start from the same revision and the second would look like "another session changed it". With the lock each
write starts from the copy the previous one stored. A real conflict (another process) still raises
ConflictError, after `order` has been replaced by the newer stored copy.

No Textual here: this is plain state, used from the UI thread and from workers alike.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from certwizard.domain.models import ApplicationDraft, Order
from certwizard.storage.repository import ConflictError

if TYPE_CHECKING:
    from certwizard.services.workflow import Workflow


class OrderSession:
    def __init__(self, workflow: "Workflow", order: Order) -> None:
        self.workflow = workflow
        self._order = order
        self._lock = threading.RLock()
        self._pending: dict[str, object] | None = None

    @property
    def order(self) -> Order:
        return self._order

    @property
    def draft(self) -> ApplicationDraft:
        return self._order.draft

    def save_values(self, values: Mapping[str, object]) -> Order:
        """Store the form's `values` over the stored draft, unless nothing changes (no revision bump for nothing).

        Only the given fields are replaced, so documents attached meanwhile by a worker are kept."""
        with self._lock:
            self._pending = None
            draft = self._order.draft.model_copy(update=dict(values))
            if draft == self._order.draft:
                return self._order
            return self._replace(lambda: self.workflow.save_draft(self._order, draft))

    def offer(self, values: Mapping[str, object]) -> None:
        """Remember the newest form values for `save_pending`; older ones waiting are simply replaced."""
        with self._lock:
            self._pending = dict(values)

    def save_pending(self) -> Order:
        """Save the newest offered values, if any (for workers: whichever runs last saves the newest text)."""
        with self._lock:
            values = self._pending
            return self._order if values is None else self.save_values(values)

    def attach(self, accepted, display_name: str, *, inspect=None) -> Order:
        with self._lock:
            self.save_pending()
            return self._replace(lambda: self.workflow.attach_document(self._order, accepted, display_name,
                                                                      inspect=inspect))

    def remove(self, document_id: str) -> Order:
        with self._lock:
            self.save_pending()
            return self._replace(lambda: self.workflow.remove_document(self._order, document_id))

    def reload(self) -> Order:
        with self._lock:
            self._pending = None
            self._order = self.workflow.order(self._order.id)
            return self._order

    def _replace(self, write) -> Order:
        try:
            self._order = write()
        except ConflictError as conflict:
            self._pending = None
            self._order = conflict.current
            raise
        return self._order
