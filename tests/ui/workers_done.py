"""Waiting for an app's workers in a UI test: `app.workers.wait_for_complete()` raises WorkerCancelled when
an exclusive worker (the live domains check, the issued check) was replaced by a newer one, and under load
one run in a thousand failed on that alone (test_key_guard, in CI). The snapshot scenes already wait the
right way; the UI tests use the same function.
"""

from __future__ import annotations

from tests.snapshots.scenes import wait_for_workers as workers_done

__all__ = ["workers_done"]
