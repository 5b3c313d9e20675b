"""An order whose hook or webroot publishes the proof asks only to verify, in the lists (from the order index
alone) as in `show`; one the user publishes by hand still asks them to publish."""

from __future__ import annotations

from certwizard.cli.order_view import next_step
from certwizard.domain.status import OrderStatus
from certwizard.ui.order_words import next_action
from tests.ui.conftest import FROZEN_NOW


def _submitted(services, draft, **plan):
    workflow = services.workflow
    [order] = workflow.add_purchased("dv-single")
    order = workflow.submit(workflow.save_draft(order, draft.model_copy(update=plan)).id)
    assert order.status is OrderStatus.DOMAIN_VERIFICATION
    [summary] = [row for row in workflow.summaries() if row.id == order.id]
    return order, summary


def test_the_next_step_says_who_publishes(services, valid_draft, tmp_path):
    hook = tmp_path / "hook"
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(0o755)
    webroot = tmp_path / "www"
    webroot.mkdir()
    cases = {
        "by hand": ({}, "", "Publish DNS record, then verify"),
        "hook": ({"validation_hook": str(hook)}, "hook", "Verify: the hook publishes"),
        "webroot": ({"validation_method": "http", "validation_webroot": str(webroot)}, "webroot",
                    "Verify: the file is written"),
    }
    for name, (plan, publisher, words) in cases.items():
        order, summary = _submitted(services, valid_draft, **plan)
        assert (order.publisher, summary.publisher) == (publisher, publisher), name
        assert next_action(summary, FROZEN_NOW) == next_action(order, FROZEN_NOW) == words, name
        command = next_step(order)
        assert f"certwizard verify {order.id}" in command
        assert ("hook publishes" in command) is (publisher == "hook")
        assert ("writes the file" in command) is (publisher == "webroot")
