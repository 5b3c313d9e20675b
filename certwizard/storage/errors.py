"""Errors of the storage layer; every message says what is wrong and what to do."""

from __future__ import annotations

from pathlib import Path

from certwizard.errors import CertwizardError


class StorageError(CertwizardError):
    """Base of every error the storage layer reports."""


class CorruptDatabaseError(StorageError):
    """The file is not JSON, or not shaped as {table: {document id: {field: value}}}."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path} is not a readable certwizard database: {problem}")


class CorruptDocumentError(StorageError):
    """One document of an otherwise readable file does not parse; the rest of the file is usable."""

    def __init__(self, table: str, doc_id: str, problem: str) -> None:
        self.table = table
        self.doc_id = doc_id
        self.problem = problem
        super().__init__(f"document {doc_id!r} of table {table!r} is damaged: {problem}")
