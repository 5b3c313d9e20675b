"""Which certificates `renew` takes, at pinned clocks, from the order index (a real sandbox certificate)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from certwizard.domain.expiry import RenewalSource
from certwizard.domain.models import RenewalHint
from certwizard.domain.status import OrderStatus
from certwizard.services import open_services
from certwizard.services.renewal import candidates
from tests.cli.cli_flow import make_cli, toml_file


@pytest.fixture
def issued(tmp_path, monkeypatch, capsys):
    cli = make_cli(tmp_path, monkeypatch, capsys)
    order_id = cli.add("dv-single")
    cli.ok("apply", order_id, "--from", str(toml_file(tmp_path / "a.toml", ["www.example.com"])))
    cli.ok("submit", order_id)
    cli.ok("verify", order_id)
    cli.ok("refresh")
    services = open_services(cli.data_dir)
    yield services, services.workflow.order(order_id)
    services.repository.close()


def test_due_at_two_thirds_of_the_lifetime_then_expired(issued):
    services, order = issued
    start, end = order.certificate.not_before, order.certificate.not_after
    due_at = start + (end - start) * 2 / 3
    at = {"half": start + (end - start) / 2, "due": due_at + timedelta(seconds=1), "ended": end + timedelta(days=1)}
    found = {name: candidates(services.workflow, now, ask_authorities=False)[0] for name, now in at.items()}
    assert not found["half"].due and found["half"].status is OrderStatus.ISSUED
    assert found["due"].due and found["due"].status is OrderStatus.EXPIRING_SOON
    assert found["ended"].due and found["ended"].status is OrderStatus.EXPIRED
    assert abs(found["half"].due_at - due_at) < timedelta(seconds=1)
    assert found["half"].source is RenewalSource.LIFETIME and "2/3" in found["half"].why
    summary = next(s for s in services.workflow.summaries() if s.id == order.id)
    assert summary.status_at(at["due"]) is OrderStatus.EXPIRING_SOON and summary.status is OrderStatus.ISSUED


def test_an_authoritys_hint_moves_the_date_and_is_named_as_the_source(issued):
    services, order = issued
    start = order.certificate.not_before
    hinted = start + timedelta(days=3)

    def hint(current):
        current.renewal_hint = RenewalHint(after=hinted, source=RenewalSource.ARI,
                                           until=hinted + timedelta(days=2), detail="https://ca.example/why")
        return current
    services.repository.update_order(order.id, hint)
    (candidate,) = candidates(services.workflow, start + timedelta(days=4), ask_authorities=False)
    assert candidate.due and candidate.source is RenewalSource.ARI and candidate.due_at == hinted
    assert "ARI" in candidate.why
    (early,) = candidates(services.workflow, start + timedelta(days=2), ask_authorities=False)
    assert not early.due


def test_revoked_and_renewed_orders_are_never_candidates(issued):
    services, order = issued

    def revoked(current):
        current.status = OrderStatus.REVOKED
        return current
    services.repository.update_order(order.id, revoked)
    assert candidates(services.workflow, order.certificate.not_after, ask_authorities=False) == []


def test_renew_now_renews_one_order_under_the_lock(issued, tmp_path):
    from certwizard.services.renewal import RenewResult, renew_now

    services, order = issued
    hook = tmp_path / "hook"
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(0o755)

    def hooked(current):     # the application's recorded hook publishes (the sandbox takes its word)
        current.draft = current.draft.model_copy(update={"validation_hook": str(hook)})
        return current
    services.repository.update_order(order.id, hooked)
    steps: list[str] = []
    outcome = renew_now(services.workflow, services.layout, order.id, progress=steps.append)
    assert outcome.result is RenewResult.RENEWED, outcome
    assert services.workflow.order(order.id).status is OrderStatus.RENEWED
    assert any("Submitting the renewal" in step for step in steps)


def test_a_renewal_that_fails_halfway_through_writing_leaves_the_old_files_serving(issued, tmp_path, monkeypatch):
    from certwizard.export import installing
    from certwizard.services.installations import add_installation
    from certwizard.services.renewal import RenewResult, renew_now

    services, order = issued
    hook = tmp_path / "hook"
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(0o755)

    def hooked(current):
        current.draft = current.draft.model_copy(update={"validation_hook": str(hook)})
        return current
    services.repository.update_order(order.id, hooked)
    folder = tmp_path / "pem"
    assert add_installation(services.workflow, order.id, "pem", str(folder)).ok
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    swap, done = installing._swap_in, []

    def another_program_interferes(folder_fd, staging_fd, name, old):
        if len(done) == 1:          # one file replaced: a folder appears where the next one goes
            (folder / name).unlink()
            (folder / name).mkdir()
        swap(folder_fd, staging_fd, name, old)
        done.append(name)
    monkeypatch.setattr(installing, "_swap_in", another_program_interferes)
    failed = renew_now(services.workflow, services.layout, order.id)
    assert failed.result is RenewResult.FAILED and "old certificate is still in place" in failed.message
    assert len(done) == 1
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert {name: after[name] for name in done} == {name: before[name] for name in done}   # put back
    assert services.workflow.order(order.id).status is OrderStatus.ISSUED

    monkeypatch.setattr(installing, "_swap_in", swap)
    for leftover in folder.iterdir():
        if leftover.is_dir():
            leftover.rmdir()
            (folder / leftover.name).write_bytes(before[leftover.name])
    finished = renew_now(services.workflow, services.layout, order.id)
    assert finished.result is RenewResult.RENEWED, finished.message
    follow = services.workflow.order(order.renewed_by or services.workflow.order(order.id).renewed_by)
    assert [place.serial for place in follow.installations] == [follow.certificate.serial]


def test_a_run_killed_after_making_the_renewal_order_is_taken_up_by_the_next(issued, tmp_path):
    from certwizard.services.renewal import RenewResult, renew_now

    services, order = issued
    hook = tmp_path / "hook"
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(0o755)
    [follow] = services.workflow.add_purchased(order.product_id)

    def linked(current, other=follow.id):     # what a run had written when it was killed
        current.renewed_by = other
        current.draft = current.draft.model_copy(update={"validation_hook": str(hook)})
        return current
    services.repository.update_order(order.id, linked)

    def back_link(current):
        current.renewal_of = order.id
        return current
    services.repository.update_order(follow.id, back_link)
    outcome = renew_now(services.workflow, services.layout, order.id)
    assert outcome.result is RenewResult.RENEWED and outcome.follow_up == follow.id, outcome.message
    assert [s.id for s in services.workflow.summaries() if s.renewal_of == order.id] == [follow.id]   # not two
