"""Expiry and renewal in the TUI, on certificates the real sandbox issued, at a pinned clock: before renewal
is due, after it is due, and after the certificate has ended."""

from __future__ import annotations

from datetime import timedelta

from certwizard.domain.expiry import RenewalSource
from certwizard.domain.models import Installation, ReloadResult, RenewalHint, RenewalRecord
from certwizard.domain.status import OrderStatus
from certwizard.ui.order_words import days_sentence, days_words, next_action, next_action_short
from certwizard.ui.screens.certificates import CertificatesScreen
from tests.ui.issued_screen import flat, issue, open_issued, settle


def clocks(order):
    """The app clocks of a test: ten days in, a day after renewal is due, three days after the end."""
    certificate = order.certificate
    return {"before": certificate.not_before + timedelta(days=10),
            "due": order.renewal.at + timedelta(days=1),
            "ended": certificate.not_after + timedelta(days=3)}


def days_between(later, earlier) -> int:
    return int((later - earlier).total_seconds() // 86400)


def status_of(screen, order_id: str) -> str:
    return screen.table.get_row(order_id)[2].plain       # Domains, Expires, Status, Key (80 columns)


async def detail_text(app, pilot, screen_text) -> str:
    """Every line of the detail area, scrolled through from its top to its end."""
    text = flat(screen_text(app))
    await pilot.press("tab", "end")
    await pilot.pause()
    return text + " " + flat(screen_text(app))


# --- words ------------------------------------------------------------------------------------------------

def test_days_are_counted_down_to_the_end_then_since_it(services, valid_draft):
    order = issue(services, valid_draft)
    end = order.not_after
    assert days_words(end, end - timedelta(days=9, hours=1)) == "9 d left"
    assert days_words(end, end - timedelta(hours=1)) == "ends today"
    assert days_words(end, end) == "ended today"
    assert days_words(end, end + timedelta(days=3)) == "ended 3 d ago"      # exactly three days: 3, not 2
    assert days_words(end, end + timedelta(days=3, hours=23)) == "ended 3 d ago"
    assert days_sentence(end, end - timedelta(days=1, hours=1)) == "1 day left"
    assert days_sentence(end, end + timedelta(days=2, hours=1)) == "expired 2 days ago"


def test_the_home_rows_say_the_days_left_from_the_index_alone(services, valid_draft):
    order = issue(services, valid_draft)
    [summary] = [row for row in services.workflow.summaries() if row.id == order.id]
    at = clocks(order)
    left = {name: days_between(order.not_after, moment) for name, moment in at.items()}
    assert next_action(summary, at["before"]) == f"Export · {left['before']} d left"
    assert next_action(summary, at["due"]) == f"Renew now · {left['due']} d left"
    assert next_action(summary, at["ended"]) == "Expired: renew it · ended 3 d ago"
    assert next_action_short(summary, at["before"]) == f"Export · {left['before']} d left"
    assert next_action_short(summary, at["due"]) == f"Renew · {left['due']} d left"
    assert next_action_short(summary, at["ended"]) == "Renew · 3 d ago"
    for moment in at.values():          # the summary words it exactly as the whole order would
        assert next_action(summary, moment) == next_action(order, moment)


# --- Issued Certificates ---------------------------------------------------------------------------------

async def test_before_renewal_is_due_the_row_says_issued_and_the_detail_when_renewal_comes(
        make_app, services, valid_draft, screen_text):
    order = issue(services, valid_draft)
    now = clocks(order)["before"]
    app = make_app(now=lambda: now)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_issued(app, pilot)
        assert status_of(screen, order.id) == f"Issued · {days_between(order.not_after, now)} d"
        header = screen_text(app).splitlines()[1]
        assert "1 issued" in header and "expiring" not in header and "expired" not in header
        text = await detail_text(app, pilot, screen_text)
    renew_in = days_between(order.renewal.at, now)
    expected = (f"Expires {order.not_after:%Y-%m-%d %H:%M} UTC ({days_between(order.not_after, now)} days left)",
                f"Renewal due {order.renewal.at:%Y-%m-%d %H:%M} UTC (in {renew_in} days), at 2/3 of its lifetime",
                "Key policy new key at each renewal", "Installed none")
    for line in expected:
        assert line in text, line
    assert "Last renewal" not in text          # no news before renewal is due


async def test_once_due_the_row_says_expiring_and_the_header_counts_it(make_app, services, valid_draft,
                                                                       screen_text):
    order = issue(services, valid_draft)
    now = clocks(order)["due"]
    app = make_app(now=lambda: now)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_issued(app, pilot)
        assert status_of(screen, order.id) == f"Expiring · {days_between(order.not_after, now)} d"
        assert "1 issued · 1 expiring soon · 1 ready to export" in screen_text(app).splitlines()[1]
        text = await detail_text(app, pilot, screen_text)
    assert "Expiring soon" in text
    assert f"Renewal due now (since {order.renewal.at:%Y-%m-%d %H:%M} UTC), at 2/3 of its lifetime" in text
    assert "Last renewal not tried yet" in text


async def test_after_the_end_the_row_says_expired_and_how_long_ago(make_app, services, valid_draft,
                                                                   screen_text):
    order = issue(services, valid_draft)
    now = clocks(order)["ended"]
    app = make_app(now=lambda: now)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_issued(app, pilot)
        assert status_of(screen, order.id) == "Expired 3 d ago"
        assert "1 issued · 1 expired ·" in screen_text(app).splitlines()[1]
        text = await detail_text(app, pilot, screen_text)
    assert f"Expires {order.not_after:%Y-%m-%d %H:%M} UTC (expired 3 days ago)" in text


async def test_d_lists_only_the_certificates_due_for_renewal_and_again_all(make_app, services, valid_draft,
                                                                           screen_text):
    calm = issue(services, valid_draft, "calm.example.com")
    hinted = issue(services, valid_draft, "hinted.example.com")
    now = clocks(calm)["before"]
    # The CA's renewal window opened yesterday for this one: due, though far from 2/3 of its lifetime.
    hint = RenewalHint(after=now - timedelta(days=1), source=RenewalSource.ARI)
    services.repository.save_order(services.workflow.order(hinted.id).model_copy(update={"renewal_hint": hint}))
    app = make_app(now=lambda: now)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_issued(app, pilot)
        assert screen.table.row_count == 2
        assert "2 issued · 1 expiring soon" in screen_text(app).splitlines()[1]
        assert "d Due only" in screen_text(app).splitlines()[-1]
        await pilot.press("d")
        await settle(app, pilot)
        assert [screen.table.coordinate_to_cell_key((row, 0))[0].value
                for row in range(screen.table.row_count)] == [hinted.id]
        assert "Due for renewal only · 1 expiring soon · d shows all" in screen_text(app).splitlines()[1]
        assert "the CA's renewal window (ARI)" in flat(screen_text(app))
        await pilot.press("d")
        await settle(app, pilot)
        assert screen.table.row_count == 2


async def test_d_with_nothing_due_says_so(make_app, services, valid_draft, screen_text):
    order = issue(services, valid_draft)
    app = make_app(now=lambda: clocks(order)["before"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_issued(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        assert screen.table.row_count == 0
        assert "None is due for renewal · d shows all" in screen_text(app)


async def test_the_palette_offers_due_only(make_app, services, valid_draft):
    from certwizard.ui.commands import screen_key_commands

    order = issue(services, valid_draft)
    app = make_app(now=lambda: clocks(order)["due"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_issued(app, pilot)
        names = [command.name for command in screen_key_commands(app, screen)]
        assert "Due only" in names


async def test_the_detail_shows_the_last_attempt_the_links_and_every_installation_literally(
        make_app, services, valid_draft, screen_text):
    order = issue(services, valid_draft)
    now = clocks(order)["due"]
    attempt = RenewalRecord(at=now - timedelta(hours=2), ok=False, message="the CA said [b]no[/b]: rate limited")
    current = Installation(server="nginx", directory="/etc/nginx/[bold]certs", serial=order.certificate.serial,
                           installed_at=now - timedelta(days=5),
                           reload_result=ReloadResult(command="systemctl reload nginx", exit_status=1,
                                                      output="Job failed.\nsee journalctl [/]\n"))
    broken = Installation(server="apache", directory="/srv/apache", problem="folder is not writable [/b]")
    services.repository.save_order(services.workflow.order(order.id).model_copy(update=dict(
        last_renewal=attempt, renewal_of="ord-0000beef", reuse_key=True, installations=[current, broken])))
    app = make_app(now=lambda: now)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_issued(app, pilot)
        text = await detail_text(app, pilot, screen_text)
    for expected in (f"Last renewal {attempt.at:%Y-%m-%d %H:%M} UTC, failed: the CA said [b]no[/b]: rate limited",
                     "Renews order ord-0000beef", "Key policy same key (reuse-key)",
                     "nginx in /etc/nginx/[bold]certs",
                     f"serial {order.certificate.serial[:16]}",
                     "reload failed (exit 1): see journalctl [/]",
                     "apache in /srv/apache", "problem: folder is not writable [/b]"):
        assert expected in text, expected


async def test_a_renewed_certificate_names_its_renewal(make_app, services, valid_draft, screen_text):
    old = issue(services, valid_draft, "old.example.com")
    new = issue(services, valid_draft, "new.example.com")
    # What the renewal service records when the renewal is issued (it lands separately; stored here directly).
    services.repository.save_order(services.workflow.order(old.id).model_copy(
        update={"renewed_by": new.id, "status": OrderStatus.RENEWED}))
    app = make_app(now=lambda: clocks(old)["before"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_issued(app, pilot)
        screen.select(old.id)
        await pilot.pause()
        assert status_of(screen, old.id) == "Renewed"
        text = await detail_text(app, pilot, screen_text)
    assert f"Renewed by order {new.id}" in text and "Renewal done: this certificate was renewed" in text


async def test_60x20_keeps_the_status_and_days_without_the_date_column(make_app, services, valid_draft,
                                                                        screen_text):
    order = issue(services, valid_draft)
    app = make_app(now=lambda: clocks(order)["due"])
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await open_issued(app, pilot)
        lines = screen_text(app).splitlines()
        assert [column.label.plain for column in screen.table.columns.values()] == ["Domains", "Status", "Key"]
        assert all(len(line.rstrip()) <= 60 for line in lines)
        assert any("Expiring ·" in line for line in lines) and "d Due only" in lines[-1]


# --- the home screen -------------------------------------------------------------------------------------

async def test_home_rows_show_the_days_left_beside_the_next_action(make_app, services, valid_draft, screen_text):
    order = issue(services, valid_draft)
    now = clocks(order)["due"]
    left = days_between(order.not_after, now)
    for size, expected in (((80, 24), f"Renew · {left} d left"), ((120, 30), f"Renew now · {left} d left")):
        app = make_app(now=lambda: now)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CertificatesScreen)
            text = screen_text(app)
            assert expected in text, (size, text)
            assert "1 expiring soon" in text
            assert f"Next: Renew now · {left} d left" in flat(text)


async def test_home_counts_and_rows_follow_the_clock_on_return(make_app, services, valid_draft, screen_text):
    order = issue(services, valid_draft)
    at = clocks(order)
    clock = {"now": at["before"]}
    app = make_app(now=lambda: clock["now"])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "1 certificate: 1 issued" in screen_text(app)
        clock["now"] = at["ended"]              # nothing in the index changed; only the clock moved
        await open_issued(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        text = screen_text(app)
        assert "1 certificate: 1 expired" in text and "Renew · 3 d ago" in text
