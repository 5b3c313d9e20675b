"""Repository across real processes: concurrent writers, SIGKILL in the middle of a write, SIGHUP after one.

Children are `sys.executable -c WORKER <mode> <data dir>`; they say when they reached a point by printing a
line, and the parent acts on that line, so nothing here depends on timing. Every wait for a child has a time
limit (WAIT) that only a hung child reaches: the child is then killed and the test fails saying so.

Each test runs twice: with a small database, where every change rewrites the file, and with the journal on
from the first byte (`journal` in the ids), as it is for databases of a few hundred orders and more.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from filelock import FileLock

from certwizard.domain.status import OrderStatus
from certwizard.storage import Repository
from certwizard.storage.json_storage import SnapshotStore
from certwizard.system.paths import DataLayout

WAIT = 60     # seconds: far beyond what any step takes on a loaded machine

WORKER = r"""
import json, os, signal, sys
# SIGHUP kills, as in a login session, even when the test runs under nohup or a CI runner ignoring it
# (an ignored signal stays ignored across exec, and then the SIGHUP test's child would never end).
signal.signal(signal.SIGHUP, signal.SIG_DFL)
from pathlib import Path
from certwizard.domain.status import OrderStatus
from certwizard.system.paths import DataLayout
from certwizard.storage import Repository
import certwizard.system.securefs as securefs
from certwizard.storage.json_storage import SnapshotStore

if os.environ.get("CW_TEST_JOURNAL") == "1":
    SnapshotStore.JOURNAL_FROM = 0         # as if the database were big: changes go to the journal

mode, root = sys.argv[1], Path(sys.argv[2])
repo = Repository.open(DataLayout(root))

def say(line):
    print(line, flush=True)

def stall():
    say("stalled")
    sys.stdin.readline()          # the parent kills us here
    os._exit(3)

def to_draft(order):
    order.status = OrderStatus.DRAFT
    return order

if mode == "hammer":
    say("ready")
    sys.stdin.readline()          # start together
    ids = []
    for _ in range(int(sys.argv[3])):
        order = repo.add_orders("dv-single")[0]
        repo.update_order(order.id, to_draft)
        repo.update_setting("counter", lambda n: n + 1, default=0)
        ids.append(order.id)
    say(json.dumps(ids))

elif mode.startswith("kill-"):
    repo.set_setting("state", "old")
    point = mode.removeprefix("kill-")
    if point == "mid-temp-write":
        real_write = os.write
        def half_write(fd, data):
            real_write(fd, bytes(data[: len(data) // 2]))
            stall()
        os.write = half_write
    elif point == "before-rename":
        os.replace = lambda *args, **kwargs: stall()
    elif point == "after-rename":
        securefs.fsync_dir = lambda *args, **kwargs: stall()
    elif point == "compaction-before-journal-removed":
        repo._store.journal_limit = 0          # this change folds the journal into the file
        os.unlink = lambda *args, **kwargs: stall()
    repo.set_setting("state", "new")
    say("returned")

elif mode == "write-then-wait":
    repo.set_setting("state", "written")
    say("written")
    sys.stdin.readline()

elif mode == "open-and-wait":
    repo.set_setting("child", 1)
    repo.list_orders()
    say("open")
    sys.stdin.readline()
    say(json.dumps(repo.get_setting("parent")))
"""


@pytest.fixture(params=[False, True], ids=["small", "journal"])
def journal(request, monkeypatch):
    """Whether changes go to the journal, in the children and in this process."""
    monkeypatch.setenv("CW_TEST_JOURNAL", "1" if request.param else "0")
    if request.param:
        monkeypatch.setattr(SnapshotStore, "JOURNAL_FROM", 0)
    return request.param


def start(mode: str, root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WORKER, mode, str(root), *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def stored(root: Path) -> dict:
    """What a fresh reader finds: the file with its journal applied (each file must read cleanly)."""
    store = SnapshotStore(root / "certwizard.json")
    tables = store.tables()
    assert tables is not None
    return {name: dict(table) for name, table in tables.items()}


def read_line(child: subprocess.Popen) -> str:
    """The child's next line; a child that says nothing within WAIT is killed, so this never hangs."""
    timer = threading.Timer(WAIT, child.kill)
    timer.start()
    try:
        return child.stdout.readline()
    finally:
        timer.cancel()


def wait(child: subprocess.Popen) -> int:
    try:
        return child.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        raise AssertionError(f"the child did not exit within {WAIT} s; killed") from None


def expect(child: subprocess.Popen, line: str) -> None:
    got = read_line(child).strip()
    assert got == line, f"child said {got!r} (exit {child.poll()}), expected {line!r}"


def tell(child: subprocess.Popen, line: str = "go") -> None:
    child.stdin.write(line + "\n")
    child.stdin.flush()


@pytest.fixture
def children():
    started: list[subprocess.Popen] = []
    yield started
    for child in started:                       # never leave a stalled child behind a failed assertion
        if child.poll() is None:
            child.kill()
        child.wait(timeout=WAIT)
        for stream in (child.stdin, child.stdout):
            stream.close()


def temp_files(root: Path) -> list[Path]:
    return list(root.glob(".tmp-*"))


def test_concurrent_writers_lose_nothing(tmp_path, children, journal):
    root, processes, writes = tmp_path / "data", 4, 50
    Repository.open(DataLayout(root))
    children.extend(start("hammer", root, str(writes)) for _ in range(processes))
    for child in children:
        expect(child, "ready")
    for child in children:
        tell(child)
    reported = [json.loads(read_line(child)) for child in children]
    assert [wait(child) for child in children] == [0] * processes

    json.loads((root / "certwizard.json").read_bytes())               # valid JSON
    assert (root / "certwizard.json.journal").exists() is journal
    data = stored(root)
    all_ids = [order_id for ids in reported for order_id in ids]
    assert len(set(all_ids)) == processes * writes
    assert set(data["orders"]) == set(all_ids)
    orders = Repository.open(DataLayout(root)).list_orders()
    assert all(o.status is OrderStatus.DRAFT and o.revision == 1 for o in orders)
    assert data["settings"]["counter"]["value"] == processes * writes
    assert temp_files(root) == []


@pytest.mark.parametrize("point, survivor", [
    ("mid-temp-write", "old"),
    ("before-rename", "old"),
    ("after-rename", "new"),
    ("compaction-before-journal-removed", "new"),
])
def test_sigkill_during_a_write_leaves_a_whole_old_or_new_file(tmp_path, children, journal, point, survivor):
    if point.startswith("compaction") and not journal:
        pytest.skip("compaction happens only with a journal")
    root = tmp_path / "data"
    child = start(f"kill-{point}", root)
    children.append(child)
    expect(child, "stalled")
    child.send_signal(signal.SIGKILL)
    assert wait(child) == -signal.SIGKILL

    json.loads((root / "certwizard.json").read_bytes())
    if point in ("mid-temp-write", "before-rename"):
        assert len(temp_files(root)) == 1                       # the dead writer's leftover
    if point.startswith("compaction"):                          # the journal it folded in is still there
        assert (root / "certwizard.json.journal").exists()
    repo = Repository.open(DataLayout(root))
    assert temp_files(root) == []
    if point.startswith("compaction"):                          # its changes are in the file: removed, no notice
        assert not (root / "certwizard.json.journal").exists()
    assert repo.get_setting("state") == survivor
    assert repo.notices == []
    repo.set_setting("state", "after")                          # the kernel released the dead writer's lock
    assert Repository.open(DataLayout(root)).get_setting("state") == "after"


@pytest.fixture(params=["parent-default", "parent-ignores-sighup"])
def parent_sighup(request):
    """How the test process itself treats SIGHUP (nohup, some CI runners: ignored), which children inherit."""
    handler = signal.SIG_IGN if request.param == "parent-ignores-sighup" else signal.SIG_DFL
    previous = signal.signal(signal.SIGHUP, handler)
    yield
    signal.signal(signal.SIGHUP, previous)


def test_sighup_right_after_a_write_keeps_it(tmp_path, children, journal, parent_sighup):
    root = tmp_path / "data"
    child = start("write-then-wait", root)
    children.append(child)
    expect(child, "written")
    child.send_signal(signal.SIGHUP)                            # what an SSH disconnect sends
    assert wait(child) == -signal.SIGHUP
    assert Repository.open(DataLayout(root)).get_setting("state") == "written"


def test_an_open_repository_does_not_hold_the_lock(tmp_path, children, journal):
    root = tmp_path / "data"
    child = start("open-and-wait", root)
    children.append(child)
    expect(child, "open")

    lock = FileLock(root / "certwizard.json.lock")
    lock.acquire(blocking=False)                                # raises Timeout if the child held it
    lock.release()
    Repository.open(DataLayout(root), lock_timeout=0).set_setting("parent", "hello")

    tell(child)
    expect(child, json.dumps("hello"))                          # and the child sees the new file
    assert wait(child) == 0
    assert os.path.exists(root / "certwizard.json")
