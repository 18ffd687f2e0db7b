# SPDX-License-Identifier: Apache-2.0
"""The use cases: the only package that chains stages and the only caller of the store's
tables. Every command's logic lives here, behind a function that any face (the command line,
the scheduler, a web workspace) can call with a database, a configuration and a clock.

`exchange` (STIX, MISP, TAXII) is not re-exported: it loads stix2 and taxii2-client, which
cost about a quarter of a second, so only the sharing commands import it.
"""

from .briefs import BriefResult, check_partners, partner_assessments, period_items, run_brief
from .digests import DigestRun, digest_settings, run_digests, write_digest
from .ingest import (
    PARALLEL_PARSE_MIN_FEEDS,
    FeedOutcome,
    feed_report,
    run_fetch,
    run_reparse,
    select_feeds,
)
from .subscribers import add_subscriber, list_subscribers, remove_subscriber
from .tagging import RETAG_BATCH, Explanation, correct_tag, explain_item, run_retag, tag_items
from .users import (
    LoginResult,
    add_user,
    change_password,
    check_login,
    get_user,
    list_users,
    new_password,
    remove_user,
)

__all__ = [
    "PARALLEL_PARSE_MIN_FEEDS",
    "RETAG_BATCH",
    "BriefResult",
    "DigestRun",
    "Explanation",
    "FeedOutcome",
    "LoginResult",
    "add_user",
    "change_password",
    "check_login",
    "get_user",
    "list_users",
    "new_password",
    "remove_user",
    "add_subscriber",
    "check_partners",
    "correct_tag",
    "digest_settings",
    "explain_item",
    "feed_report",
    "list_subscribers",
    "partner_assessments",
    "period_items",
    "remove_subscriber",
    "run_brief",
    "run_digests",
    "run_fetch",
    "run_reparse",
    "run_retag",
    "select_feeds",
    "tag_items",
    "write_digest",
]
