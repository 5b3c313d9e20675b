"""What the user does next about an order, by status: one table that every front end words from.

The lists (ui/order_words.py `next_action`) show a few words; the CLI (cli/order_view.py `next_step`) shows
the command to type. Both read `NEXT_STEPS`, so a new status (or a changed step) is one edit here. The
placeholders are filled with `str.format`: {id} the order, {expected} the expected issuance, {reason} the
authority's reason, {servers} the export server choices.

The longer guidance around them (the Unissued detail panel, the Submitted dialog) is written where it is
shown: the records to publish, whom the CA calls; where it has nothing more to say it shows these words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from certwizard.domain.status import OrderStatus


@dataclass(frozen=True)
class NextStep:
    in_list: str        # a few words, for a table's "Next action" column and the details under it
    command: str        # what to type, for the command line


NEXT_STEPS: dict[OrderStatus, NextStep] = {
    OrderStatus.PENDING_APPLICATION: NextStep(
        "Apply", "fill in the application: certwizard apply {id} --from application.toml"),
    OrderStatus.DRAFT: NextStep(
        "Continue draft",
        "complete the application with certwizard apply {id} --from FILE, then send it: certwizard submit {id}"),
    OrderStatus.DOMAIN_VERIFICATION: NextStep(
        "Publish DNS record, then verify",
        "publish the DNS record (or the file) shown for each domain, then run: certwizard verify {id}"),
    OrderStatus.UNDER_REVIEW: NextStep(
        "Wait for review (expected {expected})",
        "wait for the review (expected by {expected}), then run: certwizard refresh"),
    OrderStatus.REVIEW_FAILED: NextStep(
        "Fix and resubmit: {reason}",
        "fix what the reason says: certwizard withdraw {id}, correct the application file, then "
        "certwizard apply {id} --from FILE and certwizard submit {id}"),
    OrderStatus.ISSUED: NextStep("Export", "export it: certwizard export {id} --server {servers} --out DIR"),
    OrderStatus.EXPIRING_SOON: NextStep(
        "Renew now", "renew it (a cron job or timer running certwizard renew does it): certwizard renew"),
    OrderStatus.EXPIRED: NextStep(
        "Expired: renew it",
        "it no longer works on any server; renew it: certwizard renew --force {id}"),
    OrderStatus.RENEWED: NextStep(
        "Renewed: see its renewal", "nothing more to do: its renewal replaced it (certwizard show {id} names it)"),
    OrderStatus.REVOKED: NextStep(
        "Revoked: buy a new certificate",
        "nothing more can be done with this order; buy and apply for a new certificate"),
}

# Listed instead of DOMAIN_VERIFICATION's words when certwizard publishes the proof itself (the hook, or the
# file in the webroot): nothing to do by hand but verify.
PUBLISHED_FOR_YOU = {"hook": NextStep("Verify: the hook publishes", "run: certwizard verify {id} (the "
                                      "application's hook publishes the record or file, then it is checked)"),
                     "webroot": NextStep("Verify: the file is written", "run: certwizard verify {id} (certwizard "
                                         "writes the file into the webroot, then checks it)")}

# Instead of EXPIRING_SOON's and EXPIRED's words for a certificate only tracked here (imported without a product).
TRACKED_ONLY = NextStep("Renew where it came from", "renew it where it was obtained and import the new one "
                        "(certwizard import), or import this one again with --product PRODUCT to renew it here")

# Listed instead of UNDER_REVIEW's words once the expected issuance has passed.
REVIEW_OVERDUE = "Review overdue: check mail and phone"
NO_REASON = "see the reason in Unissued"      # a failed review whose authority gave no reason


def review_overdue(status: OrderStatus, expected_issuance_at: datetime | None, now: datetime) -> bool:
    return status is OrderStatus.UNDER_REVIEW and expected_issuance_at is not None and now > expected_issuance_at
