"""3. Persistence: one crash-safe status change, concurrent writers, and re-parsing, against stock TinyDB.

    python -m benchmarks.persistence single DATA_DIR [--updates N] [--stock-updates N] [--reads N]
    python -m benchmarks.persistence writers DATA_DIR [--per-process N] [--processes 4]

DATA_DIR is a private copy of a dataset (it is written to). Prints one JSON object as its last line.

The yardstick is TinyDB as shipped: `TinyDB(path)` with its default JSONStorage, holding the same order
documents (TinyDB needs integer ids, so they are numbered 1..N; the documents are the app's own), doing the
same one-document change. For concurrent writers stock TinyDB gets a file lock around each operation and a
fresh TinyDB per operation (without them it corrupts the file: safety-rules.md §2): both sides are correct.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import time
from pathlib import Path

SHARED_FIELD = "status_reason"


def _stock_copy(data_dir: Path) -> tuple[Path, int]:
    """The app's order documents in a stock TinyDB file next to the data folder; returns (path, count)."""
    from tinydb import TinyDB

    from certwizard.storage.repository import Repository
    from certwizard.system.paths import DataLayout

    repository = Repository.open(DataLayout(data_dir))
    documents = [order.model_dump(mode="json") for order in repository.list_orders()]
    repository.close()
    path = data_dir.parent / f"{data_dir.name}-stock-tinydb.json"
    path.unlink(missing_ok=True)
    with TinyDB(path) as db:
        db.table("orders").insert_multiple(documents)
    return path, len(documents)


def _flip(order):
    from certwizard.domain.status import OrderStatus

    if order.status is OrderStatus.UNDER_REVIEW:
        order.status = OrderStatus.REVIEW_FAILED
        order.status_reason = "benchmark: the CA could not reach the applicant"
    else:
        order.status = OrderStatus.UNDER_REVIEW
        order.status_reason = ""
    return order


def single(data_dir: Path, updates: int, stock_updates: int, reads: int, sustained: int = 0) -> dict:
    from tinydb import TinyDB

    from certwizard.domain.status import OrderStatus
    from certwizard.storage.repository import Repository
    from certwizard.system.paths import DataLayout

    stock_path, count = _stock_copy(data_dir)
    repository = Repository.open(DataLayout(data_dir))
    targets = [o.id for o in repository.list_orders([OrderStatus.UNDER_REVIEW, OrderStatus.REVIEW_FAILED])]
    result: dict[str, list[float]] = {"update": [], "stock_update": [], "get": [], "stock_get": [],
                                      "reparses_unchanged": [], "reparses_after_own_write": []}
    for index in range(updates):
        order_id = targets[index % len(targets)]
        before = repository.get_order(order_id).status
        started = time.perf_counter()
        after = repository.update_order(order_id, _flip).status
        result["update"].append((time.perf_counter() - started) * 1000)
        if after is before:
            raise RuntimeError("the status change was not stored")

    # Many changes in a row: the journal fills up and is folded into the file now and then (amortised cost).
    database = DataLayout(data_dir).database
    result["sustained"], result["folds"] = [], [0]
    for index in range(sustained):
        before = database.stat().st_ino
        started = time.perf_counter()
        repository.update_order(targets[index % len(targets)], _flip)
        result["sustained"].append((time.perf_counter() - started) * 1000)
        result["folds"][0] += database.stat().st_ino != before

    # Reads of an unchanged file, and right after this process's own write: neither should parse the file.
    repository.get_order(targets[0])
    parses = repository.parses
    for index in range(reads):
        started = time.perf_counter()
        repository.get_order(targets[index % len(targets)])
        result["get"].append((time.perf_counter() - started) * 1000)
    result["reparses_unchanged"].append(repository.parses - parses)
    repository.update_order(targets[0], _flip)
    parses = repository.parses
    repository.get_order(targets[0])
    repository.get_order(targets[-1])
    result["reparses_after_own_write"].append(repository.parses - parses)
    repository.close()

    with TinyDB(stock_path) as db:
        table = db.table("orders")
        for index in range(stock_updates):
            doc_id = 1 + (index * 7919) % count
            started = time.perf_counter()
            table.update({"status": "review-failed", SHARED_FIELD: f"benchmark {index}"}, doc_ids=[doc_id])
            result["stock_update"].append((time.perf_counter() - started) * 1000)
        for index in range(min(reads, 10)):
            started = time.perf_counter()
            table.get(doc_id=1 + index)
            result["stock_get"].append((time.perf_counter() - started) * 1000)
        if table.get(doc_id=1 + ((stock_updates - 1) * 7919) % count)[SHARED_FIELD] != \
                f"benchmark {stock_updates - 1}":
            raise RuntimeError("stock TinyDB did not store the change")
    stock_path.unlink()
    result["orders"] = [count]
    return result


# --- concurrent writers -----------------------------------------------------------------------------------

def _app_writer(data_dir: str, own: list[str], shared: str, start, done) -> None:
    from certwizard.storage.repository import Repository
    from certwizard.system.paths import DataLayout

    repository = Repository.open(DataLayout(Path(data_dir)))
    start.wait()
    for index, order_id in enumerate(own):
        marker = f"writer {order_id} {index}"

        def mark(order, marker=marker):
            order.status_reason = marker
            return order
        repository.update_order(order_id, mark)
        repository.update_order(shared, lambda order: order)     # every write bumps the revision
    done.put(True)


def _stock_writer(path: str, own: list[int], shared: int, start, done) -> None:
    from filelock import FileLock
    from tinydb import TinyDB

    def bump(document):
        document["counter"] = document.get("counter", 0) + 1

    lock = FileLock(path + ".lock")
    start.wait()
    for index, doc_id in enumerate(own):
        for fields, target in (({SHARED_FIELD: f"writer {doc_id} {index}"}, doc_id), (bump, shared)):
            with lock, TinyDB(path) as db:        # a fresh TinyDB per locked operation: no stale ids
                db.table("orders").update(fields, doc_ids=[target])
    done.put(True)


def _race(target, args_per_process: list[tuple]) -> float:
    context = multiprocessing.get_context("spawn")
    start, done = context.Event(), context.Queue()
    processes = [context.Process(target=target, args=(*args, start, done)) for args in args_per_process]
    for process in processes:
        process.start()
    time.sleep(1.0)                   # everyone opened its database and waits at the start line
    began = time.perf_counter()
    start.set()
    for _ in processes:
        done.get(timeout=600)
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"a writer process failed (exit code {process.exitcode})")
    return elapsed


def writers(data_dir: Path, per_process: int, processes: int) -> dict:
    from tinydb import TinyDB

    from certwizard.storage.repository import Repository
    from certwizard.system.paths import DataLayout

    stock_path, count = _stock_copy(data_dir)
    repository = Repository.open(DataLayout(data_dir))
    ids = [order.id for order in repository.list_orders()]
    shared, pool = ids[0], ids[1:]
    shared_before = repository.get_order(shared).revision
    own = [pool[p * per_process:(p + 1) * per_process] for p in range(processes)]
    total = 2 * per_process * processes
    app_seconds = _race(_app_writer, [(str(data_dir), own[p], shared) for p in range(processes)])
    lost = sum(1 for p in range(processes) for i, order_id in enumerate(own[p])
               if repository.get_order(order_id).status_reason != f"writer {order_id} {i}")
    lost += per_process * processes - (repository.get_order(shared).revision - shared_before)
    repository.close()

    stock_own = [[2 + p * per_process + i for i in range(per_process)] for p in range(processes)]
    stock_seconds = _race(_stock_writer, [(str(stock_path), stock_own[p], 1) for p in range(processes)])
    with TinyDB(stock_path) as db:
        table = db.table("orders")
        stock_lost = sum(1 for p in range(processes) for i, doc_id in enumerate(stock_own[p])
                         if table.get(doc_id=doc_id)[SHARED_FIELD] != f"writer {doc_id} {i}")
        stock_lost += per_process * processes - table.get(doc_id=1).get("counter", 0)
    stock_path.unlink()
    return {"ms_per_update": [app_seconds * 1000 / total],
            "stock_ms_per_update": [stock_seconds * 1000 / total],
            "updates": [total], "lost": [lost], "stock_lost": [stock_lost], "orders": [count]}


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    s = sub.add_parser("single")
    s.add_argument("data_dir", type=Path)
    s.add_argument("--updates", type=int, default=30)
    s.add_argument("--stock-updates", type=int, default=10)
    s.add_argument("--reads", type=int, default=20)
    s.add_argument("--sustained", type=int, default=0)
    w = sub.add_parser("writers")
    w.add_argument("data_dir", type=Path)
    w.add_argument("--per-process", type=int, default=25)
    w.add_argument("--processes", type=int, default=4)
    args = parser.parse_args()
    if args.what == "single":
        result = single(args.data_dir, args.updates, args.stock_updates, args.reads, args.sustained)
    else:
        result = writers(args.data_dir, args.per_process, args.processes)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
