"""Realistic data folders of 0 to 50,000 orders, written exactly as certwizard writes them.

How: one order per interesting status is taken through the real workflow (drafts saved, keys generated, a
document attached, submitted to the sandbox CA, verified, issued or failed). The rest are clones of those
prototypes with fresh ids, their own domain names and purchase dates spread over three years, validated by the
app's own `Order` model and stored with the storage layer's `KeyedTable.replace` in one locked write, so the
file is byte-for-byte the app's own format (the same encoder, atomic replace and mode).

Simplification: clones keep their prototype's CA reference, key file and stored document, so the sandbox CA's
ledger holds one entry per prototype (a real CA is remote; its cost is not ours to measure).

Run by hand: `.venv/bin/python -m benchmarks.datasets 10000 /tmp/cw-10k` builds one folder.
"""

from __future__ import annotations

import io
import os
import random
import shutil
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from benchmarks.common import log

# Share of each prototype among the clones (sums to 1): about a third of the orders are waiting on the CA.
MIX = (
    ("pending", 0.15),
    ("draft-dv", 0.10),
    ("draft-ov", 0.05),
    ("verification", 0.10),
    ("review", 0.12),
    ("failed", 0.08),
    ("issued", 0.40),
)
SITE_WORDS = ("shop", "api", "mail", "portal", "cdn", "pay", "blog", "static", "app", "login")
TLDS = ("com", "cn", "net", "org")
SEED = 20261124

APPLICANT = dict(applicant_name="Li Lei", applicant_phone="+86 138 0013 8000",
                 applicant_email="lilei@example.com", applicant_id_number="11010519491231002X")
COMPANY = dict(company_name="Example Networks Ltd", company_type="private", company_phone="+86 571 8502 2088",
               company_organization_id="91330100MA27XY1234", company_country="CN",
               company_province="Zhejiang", company_city="Hangzhou",
               company_address="969 West Wenyi Road, Yuhang District",
               company_zip_code="311121")


def letter_jpeg(size: tuple[int, int] = (1240, 1754), quality: int = 70, seed: int = 1) -> bytes:
    """A photographed letter: a white page with lines of dark 'text' and a red stamp, a little noise."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, (246, 244, 238))
    draw = ImageDraw.Draw(image)
    margin = width // 10
    y = height // 12
    while y < height - height // 8:
        x = margin
        while x < width - margin:
            word = rng.randint(width // 60, width // 12)
            shade = rng.randint(10, 70)
            box = [x, y, min(x + word, width - margin), y + height // 120]
            draw.rectangle(box, fill=(shade, shade, shade + 10))
            x += word + width // 80
        y += height // 40
    cx, cy, r = width * 3 // 4, height * 5 // 6, width // 10
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(200, 30, 30), width=max(3, width // 200))
    noise = Image.effect_noise(size, 12).convert("RGB")
    image = Image.blend(image, noise, 0.06)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _set_speed(speed: str) -> None:
    from certwizard.ca.sandbox import SPEED_ENV

    os.environ[SPEED_ENV] = speed


def build_prototypes(data_dir: Path) -> dict[str, str]:
    """One order per status through the real workflow; returns kind -> order id."""
    from certwizard.documents.images import inspect_document
    from certwizard.domain.models import ApplicationDraft
    from certwizard.services import open_services

    services = open_services(data_dir)
    workflow = services.workflow
    _set_speed("realistic")

    def draft_order(product_id: str, **values) -> str:
        order = workflow.open_application(workflow.add_purchased(product_id)[0].id)
        return workflow.save_draft(order, ApplicationDraft(key_algorithm="ec-p256", **values)).id

    ids = {"pending": workflow.add_purchased("ov-multi")[0].id}
    ids["draft-dv"] = draft_order("dv-multi", domains="shop.example.com, api.example.com, cdn.example.com",
                                  **APPLICANT)
    partial_company = {k: v for k, v in COMPANY.items() if k in ("company_name", "company_type")}
    ids["draft-ov"] = draft_order("ov-single", domains="portal.example.com", **APPLICANT, **partial_company)
    ids["verification"] = workflow.submit(draft_order("dv-single", domains="www.example.com", **APPLICANT)).id

    letter = data_dir.parent / f"{data_dir.name}-letter.jpg"
    letter.write_bytes(letter_jpeg())
    review = workflow.order(draft_order("ov-single", domains="secure.example.com", **APPLICANT, **COMPANY))
    workflow.attach_document(review, inspect_document(letter), "stamped-letter.jpg")
    letter.unlink()
    review = workflow.submit(review.id)
    if review.status.value == "domain-verification":      # OV proves its domains first (older versions: not)
        review = workflow.confirm_domain_validation(review.id)
    ids["review"] = review.id

    _set_speed("instant")     # the review ends at once: fails (sandbox trigger label) or issues
    failed = workflow.submit(draft_order("dv-single", domains="review-fail.example.com", **APPLICANT)).id
    ids["failed"] = workflow.confirm_domain_validation(failed).id
    issued = workflow.submit(draft_order("dv-single", domains="www.example.com", **APPLICANT)).id
    ids["issued"] = workflow.confirm_domain_validation(issued).id
    _set_speed("realistic")

    workflow.save_profiles(workflow.order(ids["review"]).draft, "Web team", include_company=True)
    expected = {"pending": "pending-application", "draft-dv": "draft", "draft-ov": "draft",
                "verification": "domain-verification", "review": "under-review", "failed": "review-failed",
                "issued": "issued"}
    for kind, status in expected.items():
        actual = workflow.order(ids[kind]).status.value
        if actual != status:
            raise RuntimeError(f"prototype {kind} is {actual}, expected {status}")
    services.repository.close()
    return ids


def _clone_document(prototype: dict, order_id: str, site: str, purchased, rng: random.Random) -> dict:
    """A prototype's document with a fresh id, its own names and dates, validated by the app's model."""
    from certwizard.domain.models import Order

    def rename(value):
        if isinstance(value, str):
            return value.replace("example.com", site)
        if isinstance(value, list):
            return [rename(v) for v in value]
        if isinstance(value, dict):
            return {k: rename(v) for k, v in value.items()}
        return value

    document = dict(prototype)
    for key in ("draft", "application", "domain_validations"):
        document[key] = rename(prototype[key])
    document["id"] = order_id
    document["purchased_at"] = purchased.isoformat()
    document["updated_at"] = (purchased + timedelta(hours=rng.randint(1, 72))).isoformat()
    return Order.model_validate(document).model_dump(mode="json")


def _store_in_one_write(repository, documents: dict[str, dict]) -> None:
    """Store complete orders in one locked write, index included (Repository.insert_orders)."""
    from certwizard.domain.models import Order

    repository.insert_orders(Order.model_validate(document) for document in documents.values())


def build(size: int, data_dir: Path, seed: int = SEED) -> Path:
    """A data folder holding `size` orders (0: an empty folder, as on the very first start)."""
    from certwizard.domain.models import new_id, utcnow
    from certwizard.storage.repository import Repository
    from certwizard.system.paths import DataLayout

    data_dir = Path(data_dir)
    if size == 0:
        data_dir.mkdir(mode=0o700, parents=True)
        return data_dir
    prototypes = build_prototypes(data_dir)
    layout = DataLayout(data_dir)
    repository = Repository(layout)
    stored = {kind: repository.get_order(order_id).model_dump(mode="json")
              for kind, order_id in prototypes.items()}

    rng = random.Random(seed)
    kinds = [kind for kind, _ in MIX]
    weights = [weight for _, weight in MIX]
    taken = set(prototypes.values())
    clones: dict[str, dict] = {}
    start = utcnow() - timedelta(days=3 * 365)
    count = max(0, size - len(prototypes))
    step = timedelta(days=3 * 365) / max(1, count)
    for index in range(count):
        while (order_id := new_id("ord")) in taken:
            continue
        taken.add(order_id)
        site = f"{SITE_WORDS[index % len(SITE_WORDS)]}{index // len(SITE_WORDS)}.{TLDS[index % len(TLDS)]}"
        kind = rng.choices(kinds, weights)[0]
        clones[order_id] = _clone_document(stored[kind], order_id, site, start + step * index, rng)

    _store_in_one_write(repository, clones)
    check = Repository.open(layout)
    listed = len(check.list_orders())
    check.close()
    if listed != len(prototypes) + count:
        raise RuntimeError(f"dataset of {size}: {listed} orders readable, expected {len(prototypes) + count}")
    return data_dir


def _holds_orders(folder: Path, size: int) -> bool:
    """Whether `folder` is a data folder with exactly `size` orders."""
    from certwizard.storage.repository import Repository
    from certwizard.system.paths import DataLayout

    if not folder.is_dir():
        return False
    if size == 0:
        return not any(folder.iterdir())
    if not DataLayout(folder).database.exists():
        return False
    with Repository.open(DataLayout(folder)) as repository:
        if repository.notices:     # e.g. upgraded from an older database schema: not what a build makes now
            return False
        return len(repository.order_summaries()) == size


def with_one_order(data_dir: Path, product_id: str = "dv-single") -> Path:
    """A folder with one purchased certificate, not yet applied for (the Apply screen's starting point)."""
    from certwizard.services import open_services

    services = open_services(data_dir)
    services.workflow.add_purchased(product_id)
    services.repository.close()
    return data_dir


class Datasets:
    """Data folders built once per run (by size) in a temporary folder; `fresh_copy` for apps that write."""

    def __init__(self, root: Path | None = None) -> None:
        self._tmp = None if root else tempfile.TemporaryDirectory(prefix="certwizard-bench-")
        self.root = Path(root) if root else Path(self._tmp.name)
        self._built: dict[str, Path] = {}
        self._copies = 0

    def get(self, size: int) -> Path:
        key = f"orders-{size}"
        if key not in self._built:
            folder = self.root / key
            if _holds_orders(folder, size):          # kept from an earlier run with --data-dir
                log(f"  reusing dataset: {size:,} orders in {folder}")
            else:
                shutil.rmtree(folder, ignore_errors=True)     # none, or cut short: build it afresh
                log(f"  building dataset: {size:,} orders")
                build(size, folder)
            self._built[key] = folder
        return self._built[key]

    def one_order(self) -> Path:
        if "one" not in self._built:
            self._built["one"] = with_one_order(self.root / "one-order")
        return self._built["one"]

    def fresh_copy(self, source: Path) -> Path:
        """A private copy to run an app on, so every run starts from the same files."""
        self._copies += 1
        target = self.root / "runs" / f"{source.name}-{self._copies}"
        target.parent.mkdir(mode=0o700, exist_ok=True)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.lock"))
        os.chmod(target, 0o700)
        return target

    def discard(self, copy: Path) -> None:
        shutil.rmtree(copy, ignore_errors=True)

    def database_size(self, size: int) -> int:
        path = self.get(size) / "certwizard.json"
        return path.stat().st_size if path.exists() else 0

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m benchmarks.datasets SIZE TARGET_DIR")
    folder = build(int(sys.argv[1]), Path(sys.argv[2]))
    database = folder / "certwizard.json"
    if database.exists():
        print(f"{folder}: {database.stat().st_size:,} bytes")
