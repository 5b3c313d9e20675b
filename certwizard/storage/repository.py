"""Repository: the only way into the database file, safe with several certwizard sessions and crashes.

- Every write is a read-modify-write under a kernel file lock (flock, released by the kernel if the process
  dies), held for milliseconds and never while waiting for the user. Inside the lock the file is re-checked,
  so each write starts from the freshest content.
- Reads take no lock: the file is only ever replaced atomically, so a reader sees a whole old or new file.
- Stale writers are refused: `save_order` compares `Order.revision` with the stored one (ConflictError).
- A damaged file is moved aside, never overwritten; an older schema is migrated; a newer one is refused.
- Every order has an entry in the order index, written in the same atomic write as the order, so lists
  (`order_summaries`) read a few hundred bytes per order and never parse or validate whole orders.
"""

from __future__ import annotations

import copy
import gc
import os
import stat
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tinydb.table import Document

from certwizard.domain.ids import new_id, utcnow
from certwizard.domain.products import get_product
from certwizard.domain.status import OrderStatus
from certwizard.domain.summary import OrderSummary
from certwizard.storage.file_layout import encode_file
from certwizard.storage.journal import journal_path
from certwizard.storage.json_storage import (
    MAX_DATABASE_BYTES,
    CertwizardDB,
    CorruptDatabaseError,
    CorruptDocumentError,
    KeyedTable,
    Layout,
    LazyTable,
    SnapshotStore,
    StorageError,
    as_tables,
    database_temp_files,
    encode_entry,
    open_tinydb,
    remove_orphaned_temp_files,
)
from certwizard.storage.migrations import (
    CURRENT_SCHEMA_VERSION,
    ORDER_INDEX,
    ORDERS,
    PROFILES,
    SETTINGS,
    OutdatedSchemaError,
    check_schema,
    migrate,
    new_database,
    with_order_index,
)
from certwizard.storage.order_index import IndexEntryError, index_document, summary_from_index
from certwizard.system.paths import DataLayout
from certwizard.system.securefs import (
    PRIVATE_FILE_MODE,
    create_private_file,
    ensure_private_dir,
    fsync_dir,
    read_regular_file,
    remove_stale_temp_files,
)

MAX_ORDERS_PER_ADD = 1000
DEFAULT_LOCK_TIMEOUT = 30.0
_LOCK_POLL_SECONDS = 0.002      # writes take milliseconds; filelock's default 50 ms poll would dominate

if TYPE_CHECKING:
    from filelock import FileLock
    from pydantic import BaseModel

    from certwizard.domain.models import Order, Profile, ProfileKind

RecordT = TypeVar("RecordT", bound="BaseModel")


def _models():
    """The pydantic models, imported on first use: listing orders (the first screen) never needs them."""
    from certwizard.domain import models

    return models


class DatabaseBusyError(StorageError):
    def __init__(self, lock_path: Path, timeout: float) -> None:
        super().__init__(f"another certwizard process kept the database locked ({lock_path}) for more than "
                         f"{timeout:g} s; let it finish or close it, then try again")


class ConflictError(StorageError):
    """The order was saved by another session since it was read; `current` is the stored, newer copy."""

    def __init__(self, current: Order, stale_revision: int) -> None:
        self.current = current
        self.stale_revision = stale_revision
        super().__init__(f"order {current.id} was changed in another certwizard session (your copy is "
                         f"revision {stale_revision}, the saved one is revision {current.revision}); "
                         "reload it and make your change again")


class OrderNotFoundError(StorageError, LookupError):
    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        super().__init__(f"there is no order {order_id!r} (it may have been deleted in another session); "
                         "run `certwizard list` to see the ids of your orders, e.g. ord-3f9a1c2b")


class ProfileNotFoundError(StorageError, LookupError):
    def __init__(self, profile_id: str) -> None:
        self.profile_id = profile_id
        super().__init__(f"there is no saved profile {profile_id!r} (it may have been deleted in another "
                         "session); choose one from the list of saved profiles")


class UnreadableRecordError(StorageError):
    def __init__(self, path: Path, kind: str, doc_id: str, problem: str) -> None:
        self.doc_id = doc_id
        super().__init__(f"{kind} {doc_id!r} in {path} cannot be read ({problem}); it was left unchanged. "
                         "Fix or remove that entry in the file while certwizard is not running")


class Repository:
    """Orders, saved profiles and settings in one TinyDB file (`DataLayout.database`, or a given file path).

    `Repository(...)` does no I/O; `Repository.open(...)` prepares the folder and checks the file.
    Safe to share between threads; each process opens its own.
    """

    def __init__(self, layout_or_db_path: DataLayout | str | os.PathLike[str], *,
                 lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        if isinstance(layout_or_db_path, DataLayout):
            self._layout: DataLayout | None = layout_or_db_path
            self.db_path = layout_or_db_path.database
        else:
            self._layout = None
            self.db_path = Path(layout_or_db_path)
        self.lock_path = self.db_path.with_name(self.db_path.name + ".lock")
        self.notices: list[str] = []     # what the user must be told, e.g. "the damaged file was moved"
        self._lock_timeout = lock_timeout
        self._store = SnapshotStore(self.db_path, check=lambda tables: check_schema(tables, self.db_path),
                                    file_backed=frozenset({ORDERS}))
        self._file_lock: FileLock | None = None
        self._file_lock_pid = 0
        self._local = threading.local()
        self._summaries: dict[str, tuple[bytes, OrderSummary]] = {}   # id -> (index entry, summary)
        self._summary_list: tuple[LazyTable, list[OrderSummary]] | None = None
        self.unsummarised: list[str] = []     # ids whose index entry the last `order_summaries` could not read

    @classmethod
    def open(cls, layout_or_db_path: DataLayout | str | os.PathLike[str], *,
             lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Repository:
        """Create the data folder (0700), clean up after killed writers, and check (or repair) the file."""
        repository = cls(layout_or_db_path, lock_timeout=lock_timeout)
        repository._prepare()
        return repository

    @property
    def parses(self) -> int:
        """How often the file or its journal was read and parsed; an unchanged file is never parsed twice."""
        return self._store.reads + self._store.journal_reads

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- orders -------------------------------------------------------------------------------------------

    def add_orders(self, product_id: str, count: int = 1) -> list[Order]:
        """Register `count` purchased certificates of a catalog product, pending application (each to go to
        the authority that offers the product)."""
        product = get_product(product_id)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_ORDERS_PER_ADD:
            raise ValueError("the number of certificates must be a whole number from 1 to "
                             f"{MAX_ORDERS_PER_ADD}, not {count!r}")
        with self._writing() as db:
            table = self._order_table(db)
            taken: set[str] = set()
            now = utcnow()
            orders = []
            for _ in range(count):
                order = _models().Order(id=_unused_id("ord", taken, table), product_id=product.id, purchased_at=now,
                              updated_at=now, authority=product.authority)   # who offers it serves it
                taken.add(order.id)
                orders.append(order)
            documents = {o.id: o.model_dump(mode="json") for o in orders}
            db.change({ORDERS: documents, ORDER_INDEX: {i: index_document(d) for i, d in documents.items()}})
        return orders

    def insert_orders(self, orders: Iterable[Order]) -> int:
        """Store complete orders as they are, in one write (restoring a backup, importing, seeding tests).

        Refuses the whole batch if any id is already used, or used twice in the batch (nothing is stored then)."""
        documents: dict[str, dict] = {}
        for order in orders:
            if order.id in documents:
                raise ValueError(f"the order id {order.id} appears twice in the batch; nothing was stored")
            documents[order.id] = order.model_dump(mode="json")
        with self._writing() as db:
            if len(documents) > MAX_ORDERS_PER_ADD:      # a big batch: one scan beats many bisections
                taken = self._orders(db).ids() & documents.keys()
            else:
                table = self._order_table(db)
                taken = {order_id for order_id in documents if order_id in table._read_table()}
            if taken:
                raise ValueError(f"{len(taken)} of these orders already exist (e.g. {min(taken)}); "
                                 "nothing was stored")
            db.change({ORDERS: documents, ORDER_INDEX: {i: index_document(d) for i, d in documents.items()}})
        return len(documents)

    def get_order(self, order_id: str) -> Order:
        return self._stored_order(self._order_table(self._reading()), order_id)

    def list_orders(self, statuses: Iterable[OrderStatus | str] | None = None) -> list[Order]:
        """Orders, oldest purchase first; with `statuses`, only those. Unreadable entries become notices.

        Each order is read and validated: for lists of many orders use `order_summaries`."""
        db = self._reading()
        table = self._orders(db)
        if statuses is None:
            # The index keeps insertion order (the orders table is in id order), which breaks ties in time.
            index = db.table(ORDER_INDEX)._read_table()
            position = {order_id: number for number, order_id in enumerate(index)}
            ids: Iterable[str] = sorted(table._read_table(), key=lambda i: position.get(i, len(position)))
        else:
            wanted = {OrderStatus(s) for s in statuses}
            ids = [summary.id for summary in self.order_summaries() if summary.status in wanted]
        orders = []
        for order_id in ids:
            try:
                orders.append(self._stored_order(table, order_id))
            except UnreadableRecordError as exc:
                self._notify(str(exc))
            except OrderNotFoundError:
                continue     # listed in the index of a file edited by hand; the next write repairs it
        return sorted(orders, key=lambda order: order.purchased_at)

    def order_summaries(self) -> list[OrderSummary]:
        """Every order as lists show it, oldest purchase first, from the order index (no order is parsed).

        A summary is reused while its index entry's bytes are unchanged, so refreshing a list after one
        change parses one entry; nothing parsed is kept but the summaries. Unreadable entries become notices.
        While nothing changed, the very same list is returned (callers may skip their own work on `is`)."""
        tables = self._reading().storage.read() or {}
        index = LazyTable.of(ORDER_INDEX, tables.get(ORDER_INDEX) or {})
        if self._summary_list is not None and self._summary_list[0] is index:
            return self._summary_list[1]
        known = self._summaries
        fresh: dict[str, tuple[bytes, OrderSummary]] = {}
        changed: list[tuple[str, bytes]] = []
        for order_id, member in index.raw_members():
            cached = known.get(order_id)
            if cached is not None and (cached[0] is member or cached[0] == member):
                fresh[order_id] = cached
            else:
                changed.append((order_id, member))
        with _collector_paused():     # 10,000 new dicts and tuples would set off full collections midway
            entries = LazyTable.decode_members(changed)
            fresh.update(self._new_summaries(changed, entries))
        self._summaries = fresh
        self.unsummarised = [order_id for order_id, _ in index.raw_members() if order_id not in fresh]
        ordered = sorted((summary for _, summary in fresh.values()), key=attrgetter("purchased"))
        self._summary_list = (index, ordered)       # the index table object changes with every change
        return ordered

    def _new_summaries(self, changed: list[tuple[str, bytes]],
                       entries: dict[str, Any]) -> Iterator[tuple[str, tuple[bytes, OrderSummary]]]:
        for order_id, member in changed:
            try:
                if order_id not in entries:
                    raise IndexEntryError("its index entry is not valid JSON")
                yield order_id, (member, summary_from_index(order_id, entries[order_id]))
            except IndexEntryError as exc:
                self._notify(str(UnreadableRecordError(self.db_path, "order", order_id, str(exc))))

    def find_orders(self) -> None:
        """Locate every order in the file now (it is otherwise done by the first read of a whole order)."""
        self._orders(self._reading())

    def _order_table(self, db: CertwizardDB) -> KeyedTable:
        """The orders table for reading a few orders: nothing is scanned (see LazyTable.in_file)."""
        return db.table(ORDERS)

    def _orders(self, db: CertwizardDB) -> KeyedTable:
        """The orders table, found in the file now if it was not yet (a damaged file is moved aside)."""
        table = db.table(ORDERS)
        try:
            len(table._read_table())
        except CorruptDatabaseError as exc:
            with self._locked():
                self._move_aside(exc)
        return table

    def save_order(self, order: Order) -> Order:
        """Store `order` if nobody saved it since it was read (same revision); returns the stored copy.

        Otherwise raises ConflictError (carrying the newer stored order), or OrderNotFoundError if deleted.
        """
        with self._writing() as db:
            table = self._order_table(db)
            stored = self._stored_order(table, order.id)
            if stored.revision != order.revision:
                raise ConflictError(stored, order.revision)
            return self._put_order(db, order, stored.revision + 1)

    def update_order(self, order_id: str, change: Callable[[Order], Order]) -> Order:
        """Apply `change` to the freshest stored copy under the lock, store it and return it.

        `change` runs while other sessions wait: keep it quick, never ask the user or touch the network in it.
        If it raises, nothing is stored.
        """
        with self._writing() as db:
            table = self._order_table(db)
            current = self._stored_order(table, order_id)
            changed = change(current)
            if not isinstance(changed, _models().Order) or changed.id != order_id:
                raise ValueError(f"update_order: the change must return the order {order_id} itself")
            return self._put_order(db, changed, current.revision + 1)

    def delete_order(self, order_id: str) -> None:
        with self._writing() as db:
            if order_id not in self._order_table(db)._read_table():
                raise OrderNotFoundError(order_id)
            db.change(removals={ORDERS: [order_id], ORDER_INDEX: [order_id]})

    # --- profiles -----------------------------------------------------------------------------------------

    def save_profile(self, profile: Profile) -> Profile:
        """Insert or replace a saved profile (by id); returns the stored copy."""
        stored = profile.model_copy(update={"saved_at": utcnow()})
        document = stored.model_dump(mode="json")
        with self._writing() as db:
            db.table(PROFILES).replace({stored.id: document})
        return _models().Profile.model_validate(document)

    def list_profiles(self, kind: ProfileKind | str | None = None) -> list[Profile]:
        """Saved profiles, by label; with `kind`, only applicant or only company profiles."""
        models = _models()
        profiles = self._readable(models.Profile, "profile", self._reading().table(PROFILES).all())
        if kind is not None:
            wanted = models.ProfileKind(kind)
            profiles = [p for p in profiles if p.kind is wanted]
        return sorted(profiles, key=lambda p: (p.label.casefold(), p.saved_at))

    def delete_profile(self, profile_id: str) -> None:
        with self._writing() as db:
            table = db.table(PROFILES)
            if profile_id not in table.ids():
                raise ProfileNotFoundError(profile_id)
            table.remove(doc_ids=[profile_id])

    # --- settings -----------------------------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        document = self._reading().table(SETTINGS).document(_setting_key(key))
        if document is None or "value" not in document:
            return default
        return copy.deepcopy(document["value"])     # the snapshot's objects must never be changed by callers

    def set_setting(self, key: str, value: Any) -> None:
        """Store a JSON value (str, number, bool, None, list, dict) under `key`."""
        document = _setting_document(key, value)
        with self._writing() as db:
            db.table(SETTINGS).replace({key: document})

    def update_setting(self, key: str, change: Callable[[Any], Any], default: Any = None) -> Any:
        """Set a setting to `change(current or default)` under the lock (e.g. a counter); returns it."""
        with self._writing() as db:
            table = db.table(SETTINGS)
            stored = table.document(_setting_key(key))
            current = copy.deepcopy(stored["value"]) if stored is not None and "value" in stored else default
            value = change(current)
            table.replace({key: _setting_document(key, value)})
        return value

    # --- records ------------------------------------------------------------------------------------------

    def _stored_order(self, table: KeyedTable, order_id: str) -> Order:
        try:
            document = table.document(order_id)
        except CorruptDocumentError as exc:
            raise UnreadableRecordError(self.db_path, "order", order_id, exc.problem) from None
        except CorruptDatabaseError as exc:      # the table itself is damaged: as `_orders` does
            with self._locked():
                self._move_aside(exc)
            raise OrderNotFoundError(order_id) from None
        if document is None:
            raise OrderNotFoundError(order_id)
        return self._record(_models().Order, "order", order_id, document)

    @staticmethod
    def _put_order(db: CertwizardDB, order: Order, revision: int) -> Order:
        updated = order.model_copy(update={"revision": revision, "updated_at": utcnow()})
        document = updated.model_dump(mode="json")
        db.change({ORDERS: {order.id: document}, ORDER_INDEX: {order.id: index_document(document)}})
        return _models().Order.model_validate(document)

    def _record(self, model: type[RecordT], kind: str, doc_id: str, document: dict[str, Any]) -> RecordT:
        try:
            record = model.model_validate(document)
        except _models().ValidationError as exc:
            raise UnreadableRecordError(self.db_path, kind, doc_id, _summary(exc)) from None
        own_id = getattr(record, "id", doc_id)
        if own_id != doc_id:
            raise UnreadableRecordError(self.db_path, kind, doc_id, f"its id field says {own_id!r}")
        return record

    def _readable(self, model: type[RecordT], kind: str, documents: Iterable[Document]) -> list[RecordT]:
        records = []
        for document in documents:
            try:
                records.append(self._record(model, kind, str(document.doc_id), document))
            except UnreadableRecordError as exc:
                self._notify(str(exc))
        return records

    # --- transactions -------------------------------------------------------------------------------------

    def _reading(self) -> CertwizardDB:
        """A TinyDB over the current file, without the lock (the file is only ever replaced whole)."""
        try:
            self._store.refresh()
        except (CorruptDatabaseError, OutdatedSchemaError):
            with self._locked():
                self._repair()
        if self._store.layout is Layout.OTHER:      # written by another tool: rebuild the index, once
            with self._locked():
                self._repair()
        return open_tinydb(self._store)

    @contextmanager
    def _writing(self) -> Iterator[CertwizardDB]:
        """Locked read-modify-write: the TinyDB sees the freshest file; nobody else writes until the end."""
        if getattr(self._local, "writing", False):
            raise RuntimeError("repository writes cannot be nested: a change function must not save anything")
        with self._locked():
            self._local.writing = True
            try:
                self._repair()
                if not self._store.refresh():      # the first write creates the file with its schema version
                    self._store.write(new_database())
                yield open_tinydb(self._store)
            finally:
                self._local.writing = False

    @contextmanager
    def _locked(self) -> Iterator[None]:
        from filelock import Timeout  # here, not at import: opening a healthy database takes no lock

        lock = self._lock()
        try:
            lock.acquire(timeout=self._lock_timeout, poll_interval=_LOCK_POLL_SECONDS)
        except Timeout:
            raise DatabaseBusyError(self.lock_path, self._lock_timeout) from None
        try:
            yield
        finally:
            lock.release()

    def _lock(self) -> FileLock:
        # filelock refuses a lock object inherited across fork(), so a forked child builds its own.
        if self._file_lock is None or self._file_lock_pid != os.getpid():
            from filelock import FileLock

            self._file_lock = FileLock(self.lock_path, mode=PRIVATE_FILE_MODE)
            self._file_lock_pid = os.getpid()
        return self._file_lock

    # --- opening and repairs (lock held) ------------------------------------------------------------------

    def _prepare(self) -> None:
        if self._layout is not None:
            self._layout.ensure()
        else:
            ensure_private_dir(self.db_path.parent)
        remove_stale_temp_files(self.db_path.parent)       # old leftovers of any private file
        _tighten_mode(self.lock_path)
        if self._nothing_to_repair():
            return
        with self._locked():
            remove_orphaned_temp_files(self.db_path)       # the database's and journal's, whatever their age
            self._repair()

    def _nothing_to_repair(self) -> bool:
        """Seen without the lock, as reads are: no writer at work or killed mid-write, and a current file in
        certwizard's layout (or none yet) with no left-over journal. Then opening writes nothing and needs no
        lock (nor the lock library, ~15 ms of start-up); otherwise `_prepare` repairs under the lock."""
        if database_temp_files(self.db_path):
            return False
        try:
            self._store.refresh()
        except (CorruptDatabaseError, OutdatedSchemaError):
            return False
        return self._store.layout is not Layout.OTHER and self._store.left_over_journal() is None

    def _repair(self) -> None:
        try:
            self._store.refresh()
        except CorruptDatabaseError as exc:
            self._move_aside(exc)
        except OutdatedSchemaError as exc:
            self._upgrade(exc)
        else:
            if self._store.layout is Layout.OTHER:
                self._relayout()
            self._settle_left_over_journal()

    def _relayout(self) -> None:
        """A current-schema file in another layout (edited by hand, written by another tool): same content,
        certwizard's layout, and an order index rebuilt from the orders themselves."""
        tables = self._store.tables()
        if tables is not None:
            self._store.write(with_order_index(tables))

    def _move_aside(self, exc: CorruptDatabaseError) -> None:
        journal = self._store.journal_path
        if exc.path == journal:
            target = self._unused_sibling("corrupt", journal)
            os.rename(journal, target)
            fsync_dir(self.db_path.parent)
            self._store.forget()
            self._notify(f"The latest changes to the database, kept in {journal}, could not be read: "
                         f"{exc.problem}. That file was moved, unchanged, to {target}; the database is as it was "
                         "before those changes. Orders changed since may show an older state.")
            return
        target = self._unused_sibling("corrupt")
        os.rename(self.db_path, target)        # same inode: content and mode stay exactly as they were
        if os.path.lexists(journal):           # changes to the moved file belong with it
            os.rename(journal, journal_path(target))
        fsync_dir(self.db_path.parent)
        self._store.forget()
        self._store.write(new_database())
        self._notify(f"The database {self.db_path} could not be read: {exc.problem}. It was moved, "
                     f"unchanged, to {target} and a new, empty database was started. To recover its orders, "
                     "repair the moved file and put it back in place of the new one while certwizard is not "
                     "running.")

    def _settle_left_over_journal(self) -> None:
        """A journal that names another database file: removed if the file holds its changes, else kept aside."""
        left_over = self._store.left_over_journal()
        if left_over is None:
            return
        journal, contained = left_over
        if contained:
            os.unlink(self._store.journal_path)
            return
        target = self._unused_sibling("not-applied", self._store.journal_path)
        os.rename(self._store.journal_path, target)
        fsync_dir(self.db_path.parent)
        self._notify(f"{self._store.journal_path} holds {len(journal.changes)} change(s) made to another "
                     f"content of {self.db_path} (another file was put in its place, such as an older backup), so "
                     "they were not applied. "
                     f"They were kept in {target}.")

    def _upgrade(self, exc: OutdatedSchemaError) -> None:
        backup = self._unused_sibling(f"schema-{exc.found}")
        if not os.path.lexists(self._store.journal_path):
            create_private_file(backup, read_regular_file(self.db_path, MAX_DATABASE_BYTES))
        else:        # the file and its latest changes (as read), as one file
            create_private_file(backup, encode_file(as_tables(exc.tables)))
        self._store.write(migrate(exc.tables, self.db_path))
        self._notify(f"The database {self.db_path} was upgraded from schema {exc.found} to "
                     f"{CURRENT_SCHEMA_VERSION}; the previous file is kept as {backup}.")

    def _unused_sibling(self, label: str, of: Path | None = None) -> Path:
        path = self.db_path if of is None else of
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        candidate = path.with_name(f"{path.name}.{label}-{stamp}")
        counter = 1
        while os.path.lexists(candidate):
            counter += 1
            candidate = path.with_name(f"{path.name}.{label}-{stamp}-{counter}")
        return candidate

    def _notify(self, message: str) -> None:
        if message not in self.notices:
            self.notices.append(message)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while building many objects that all stay (they hold no cycles)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _unused_id(prefix: str, taken: set[str], stored: KeyedTable | None = None) -> str:
    # 32 random bits: collisions are rare but possible among thousands of orders, so check under the lock.
    # `stored` is asked one id at a time (a bisection), not scanned.
    while (candidate := new_id(prefix)) in taken or (stored is not None and candidate in stored._read_table()):
        continue
    return candidate


def _setting_key(key: str) -> str:
    if not isinstance(key, str) or not key:
        raise ValueError(f"a setting name must be a non-empty string, not {key!r}")
    return key


def _setting_document(key: str, value: Any) -> dict[str, Any]:
    document = {"value": copy.deepcopy(value)}
    try:
        encode_entry(_setting_key(key), document)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"setting {key!r} must be JSON data (text, number, true/false, null, list or "
                         f"mapping with text keys): {exc}") from None
    return document


def _summary(exc: Any) -> str:
    """Field paths and reasons only: the offending values are user data and stay out of messages."""
    parts = [f"{'.'.join(str(p) for p in error['loc']) or 'document'}: {error['msg']}"
             for error in exc.errors()[:3]]
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _tighten_mode(path: Path) -> None:
    """The lock file holds nothing, but all files in the data folder are 0600 (filelock sets it on create)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) != PRIVATE_FILE_MODE:
        os.chmod(path, PRIVATE_FILE_MODE)
