"""Wiring: one data folder -> repository, authorities, workflow. Shared by the CLI, the TUI and the tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from certwizard.system.paths import DataLayout

if TYPE_CHECKING:
    from certwizard.ca.registry import Authorities
    from certwizard.services.workflow import Workflow
    from certwizard.storage.repository import Repository


@dataclass
class Services:
    layout: DataLayout
    repository: "Repository"
    authorities: "Authorities"
    workflow: "Workflow"

    @property
    def notices(self) -> list[str]:
        """Things the user must be told at start-up (e.g. a damaged database was moved aside)."""
        return list(self.repository.notices)


def open_services(data_dir: str | os.PathLike[str] | None = None) -> Services:
    from certwizard.ca.registry import Authorities
    from certwizard.services.workflow import Workflow
    from certwizard.storage.repository import Repository

    layout = DataLayout.resolve(data_dir).ensure()
    repository = Repository.open(layout)
    authorities = Authorities(layout, repository)
    workflow = Workflow(repository, layout, authorities.get, products=authorities.products)
    return Services(layout, repository, authorities, workflow)
