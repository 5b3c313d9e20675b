"""A submission killed at any step is finished or undone by the next try, never made twice (workflow.submit).

Each case runs the submission in a child process that SIGKILLs itself at one step: right after the key file is
written, right before the authority is asked, and right after the authority answered (before certwizard
recorded the answer). Then this process, as the next session, tries again (`submit` or `refresh`) and checks
the data folder: one application at the authority, no key file that no order refers to.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from certwizard.domain.status import OrderStatus
from certwizard.services import open_services
from tests.factories import valid_draft

CHILD = textwrap.dedent("""
    import os, signal, sys
    from certwizard.ca.sandbox import SandboxAuthority
    from certwizard.crypto import keys
    from certwizard.services import open_services

    data_dir, order_id, point, passphrase = sys.argv[1:5]

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    if point == "after-key":
        create = keys._create_key_file
        def create_then_die(*args, **kwargs):
            create(*args, **kwargs)
            die()
        keys._create_key_file = create_then_die
    submit = SandboxAuthority.submit
    def submit_and_die(self, request):
        if point == "before-authority":
            die()
        state = submit(self, request)
        if point == "after-authority":
            die()
        return state
    SandboxAuthority.submit = submit_and_die
    open_services(data_dir).workflow.submit(order_id, passphrase=passphrase.encode() or None)
    print("not killed")
""")

POINTS = ["after-key", "before-authority", "after-authority"]


def killed_submission(data_dir, order_id, point, passphrase=""):
    child = subprocess.run([sys.executable, "-c", CHILD, str(data_dir), order_id, point, passphrase],
                           capture_output=True, text=True, timeout=120,
                           env={**os.environ, "CERTWIZARD_SANDBOX_SPEED": "instant"})
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr


def ledger_entries(data_dir, order_id):
    ledgers = list(data_dir.rglob("ledger.json"))
    assert len(ledgers) <= 1, ledgers
    return [e for ledger in ledgers for e in json.loads(ledger.read_text()).values()
            if e.get("order_id") == order_id]


def key_files(data_dir, order_id):
    return sorted(p for p in data_dir.rglob(f"{order_id}*.key.pem"))


@pytest.fixture
def draft(tmp_path, monkeypatch):
    monkeypatch.setenv("CERTWIZARD_SANDBOX_SPEED", "instant")
    data_dir = tmp_path / "data"
    services = open_services(data_dir)
    order = services.workflow.open_application(services.workflow.add_purchased("dv-single")[0].id)
    services.workflow.save_draft(order, valid_draft())
    services.repository.close()
    return data_dir, order.id


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("retry", ["submit", "refresh"])
def test_a_killed_submission_is_finished_or_undone_and_never_made_twice(draft, point, retry):
    data_dir, order_id = draft
    killed_submission(data_dir, order_id, point)
    sent = len(ledger_entries(data_dir, order_id))
    assert sent == (1 if point == "after-authority" else 0)
    services = open_services(data_dir)
    workflow = services.workflow
    assert workflow.order(order_id).submission is not None          # the attempt was recorded first

    if retry == "submit":
        order = workflow.submit(order_id)
    else:
        workflow.refresh()
        order = workflow.order(order_id)
        if point == "after-key":          # the CSR was not recorded, nothing sent: undone; the user submits again
            assert order.status is OrderStatus.DRAFT and order.submission is None
            assert key_files(data_dir, order_id) == []                 # the orphan key is gone
            order = workflow.submit(order_id)

    assert order.status is OrderStatus.DOMAIN_VERIFICATION and order.submission is None
    [entry] = ledger_entries(data_dir, order_id)                       # one application, never two
    assert order.authority_ref and entry["csr_pem"] == order.csr_pem
    assert [str(p) for p in key_files(data_dir, order_id)] == [order.key.path]     # only the key it uses
    assert services.repository.get_setting("submissions_in_flight", None) == []
    finished = [h for h in order.history if h.event == "submitted"]
    assert len(finished) == 1 and ("interrupted" in finished[0].detail) is (point != "after-key")


def test_a_submission_under_way_in_a_live_session_is_not_taken_over(draft):
    from certwizard.services.workflow import SubmissionInProgressError

    data_dir, order_id = draft
    services = open_services(data_dir)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        def begun_elsewhere(order):
            import socket

            from certwizard.domain.models import SubmissionAttempt
            order.submission = SubmissionAttempt(host=socket.gethostname(), pid=sleeper.pid)
            return order
        services.repository.update_order(order_id, begun_elsewhere)
        services.repository.set_setting("submissions_in_flight", [order_id])
        with pytest.raises(SubmissionInProgressError, match="being submitted right now"):
            services.workflow.submit(order_id)
        services.workflow.refresh()                                   # leaves it to its session
        assert services.workflow.order(order_id).submission is not None
    finally:
        sleeper.kill()
        sleeper.wait(timeout=30)
    order = services.workflow.submit(order_id)                         # that session is gone: go on
    assert order.status is OrderStatus.DOMAIN_VERIFICATION and len(ledger_entries(data_dir, order_id)) == 1


def test_a_refused_submission_leaves_no_key_and_can_be_sent_again(draft, monkeypatch):
    from certwizard.ca.base import AuthorityError
    from certwizard.ca.sandbox import SandboxAuthority

    data_dir, order_id = draft
    services = open_services(data_dir)

    def refuse(self, request):
        raise AuthorityError("the authority is closed for maintenance")
    with monkeypatch.context() as patch:
        patch.setattr(SandboxAuthority, "submit", refuse)
        with pytest.raises(AuthorityError):
            services.workflow.submit(order_id)
    assert key_files(data_dir, order_id) == []
    assert services.workflow.order(order_id).submission is None
    assert services.workflow.submit(order_id).status is OrderStatus.DOMAIN_VERIFICATION
