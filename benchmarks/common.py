"""What every benchmark shares: where things are, the environment apps run in, and how results are kept.

Every figure is a `Result`: the samples it was computed from, the yardstick's samples when there is one, and
the target it is judged against. Medians everywhere; ratios are medians of per-pair ratios when the samples
were taken in A/B pairs (robust to the machine drifting), else the ratio of the medians.
"""

from __future__ import annotations

import os
import statistics
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
APPS_DIR = BENCH_DIR / "apps"
RESULTS_DIR = BENCH_DIR / "results"
PYTHON = sys.executable
CERTWIZARD = Path(PYTHON).with_name("certwizard")     # the console script installed in the same venv

TERMINAL_SIZE = (80, 24)        # columns, rows: the size every terminal (pty) benchmark runs at
TEST_SIZE = (120, 40)           # the in-process (headless) size


def app_environment(data_dir: Path | None = None, **extra: str) -> dict[str, str]:
    """A fixed environment for apps under a pty: a common SSH-like terminal, UTC, a private data folder.

    The sandbox CA reviews at "realistic" speed so nothing a dataset holds changes status while we measure.
    """
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("TEXTUAL", "CERTWIZARD_", "COLUMNS", "LINES"))}
    env.update(TERM="xterm-256color", COLORTERM="truecolor", LANG="C.UTF-8", LC_ALL="C.UTF-8", TZ="UTC",
               PYTHONDONTWRITEBYTECODE="1", CERTWIZARD_SANDBOX_SPEED="realistic")
    env.pop("NO_COLOR", None)
    if data_dir is not None:
        env["CERTWIZARD_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


@dataclass
class Result:
    """One row of the table."""

    benchmark: str                 # e.g. "startup"
    name: str                      # e.g. "first screen"
    size: str                      # e.g. "10k orders"
    unit: str                      # "ms", "B", "MiB", "ms/update", "parses"
    samples: list[float]
    yardstick: list[float] = field(default_factory=list)
    yardstick_name: str = ""
    paired: bool = False           # samples[i] and yardstick[i] were taken as a pair
    target: str = ""               # human-readable, e.g. "<= 1.3x" or "<= 50 ms"
    max_value: float | None = None   # target on the median (absolute)
    max_ratio: float | None = None   # target on the ratio to the yardstick
    check: bool | None = None        # a yes/no target (e.g. "nothing lost")
    note: str = ""

    @property
    def median(self) -> float | None:
        return median(self.samples)

    @property
    def yardstick_median(self) -> float | None:
        return median(self.yardstick)

    @property
    def ratio(self) -> float | None:
        if not self.samples or not self.yardstick:
            return None
        if self.paired and len(self.samples) == len(self.yardstick):
            ratios = [a / b for a, b in zip(self.samples, self.yardstick, strict=True) if b]
            return median(ratios)
        base = self.yardstick_median
        return self.median / base if base else None

    @property
    def passed(self) -> bool | None:
        if self.max_value is None and self.max_ratio is None and self.check is None:
            return None
        if self.median is None:
            return False
        ok = self.check is not False
        if self.max_value is not None:
            ok = ok and self.median <= self.max_value
        if self.max_ratio is not None:
            ok = ok and self.ratio is not None and self.ratio <= self.max_ratio
        return ok

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(median=self.median, min=min(self.samples) if self.samples else None,
                    max=max(self.samples) if self.samples else None, runs=len(self.samples),
                    yardstick_median=self.yardstick_median, ratio=self.ratio, passed=self.passed)
        return data


def loadavg() -> tuple[float, float, float]:
    try:
        return os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)


def log(message: str) -> None:
    """Progress goes to stderr, so stdout keeps only the table."""
    print(message, file=sys.stderr, flush=True)
