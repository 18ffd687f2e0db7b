# SPDX-License-Identifier: Apache-2.0
"""Digests rendered to .eml: headers, both parts, TLP clearance, empty digests; one story per
event, what is new since the last digest, and the subject line (through a real SMTP server)."""

from __future__ import annotations

import dataclasses
import email
from datetime import UTC, datetime
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from helpers import Sink, local_config, rss
from threatbrief import pipeline
from threatbrief.brief.stories import Event
from threatbrief.cli import cli
from threatbrief.config import Config
from threatbrief.digest.build import MAX_SUBJECT, DigestContext, WindowStories, build_digest
from threatbrief.digest.message import message_id
from threatbrief.digest.smtp import SmtpSettings
from threatbrief.errors import UsageError
from threatbrief.models import TLP, BriefItem, Period, Subscriber
from threatbrief.pipeline import digests as outbox
from threatbrief.pipeline import subscribers
from threatbrief.textsafe import has_controls

NOW = datetime(2025, 3, 10, tzinfo=UTC)
MARCH = Period(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 11, tzinfo=UTC))
SUB = Subscriber(
    email="analyst@cert.example",
    name="Analyst",
    actor_sets=("russia", "north-korea"),
    partners=("EE", "JP"),
    tlp=TLP.CLEAR,
)


def _load(httpserver: HTTPServer, db: sqlite_utils.Database) -> Config:
    httpserver.expect_request("/f").respond_with_data(
        rss(
            (
                "1",
                "GRU hackers target Estonian ministries\r\nBcc: victim@evil.example",
                "https://x.example/1",
            ),
            (
                "2",
                "CANARY-AMBER Lazarus steals crypto from a Japanese exchange",
                "https://x.example/2",
            ),
            ("3", "Volt Typhoon persists in US networks", "https://x.example/3"),
            # entity-escaped twice in the feed, so markup survives parsing as literal text
            (
                "4",
                "Sandworm &lt;script&gt;alert(1)&lt;/script&gt; hits Estonian grid",
                "https://x.example/4",
            ),
        )
    )
    config = local_config({"f": httpserver.url_for("/f")}, kind="government")
    pipeline.run_fetch(config, db, clock=lambda: NOW)
    db.execute("update items set tlp = 'amber' where guid = '2'")
    return config


def _read(path: Path) -> email.message.EmailMessage:
    msg = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(msg, email.message.EmailMessage)
    return msg


def test_digest_eml_has_both_parts_and_safe_headers(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    config = _load(httpserver, db)
    path = outbox.write_digest(config, db, SUB, MARCH, tmp_path / "outbox", clock=lambda: NOW)
    assert path is not None
    msg = _read(path)
    assert msg["To"] == "analyst@cert.example" and msg["Bcc"] is None
    # the best-ranked story leads; the dates are left out when they do not fit
    assert msg["Subject"] == (
        "Russia: Sandworm <script>alert(1)</script> hits Estonian grid; 1 more on Russia "
        "[TLP:CLEAR]"
    )
    period_key = f"{MARCH.start.isoformat()}/{MARCH.end.isoformat()}"
    assert msg["Message-ID"] == message_id("analyst@cert.example", period_key)
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "GRU hackers target Estonian ministries Bcc: victim@evil.example" in text
    assert "Volt Typhoon" not in text  # china is not among the subscriber's actor sets
    assert "https://x.example/1" in html and "<script" not in html
    assert "Sandworm &lt;script&gt;alert(1)&lt;/script&gt;" in html  # escaped, not dropped
    assert "Sandworm <script>alert(1)</script>" in text


def test_amber_never_reaches_a_clear_subscriber(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    config = _load(httpserver, db)
    path = outbox.write_digest(config, db, SUB, MARCH, tmp_path / "out", clock=lambda: NOW)
    assert path is not None and b"CANARY-AMBER" not in path.read_bytes()
    amber = Subscriber(email="amber@cert.example", actor_sets=("north-korea",), tlp=TLP.AMBER)
    path2 = outbox.write_digest(config, db, amber, MARCH, tmp_path / "out", clock=lambda: NOW)
    assert path2 is not None and "CANARY-AMBER" in _read(path2).get_body(("plain",)).get_content()
    assert _read(path2)["Subject"].endswith("[TLP:AMBER]")


def test_empty_digest_is_not_written(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    config = _load(httpserver, db)
    nobody = Subscriber(email="iran@cert.example", actor_sets=("iran",))
    assert (
        outbox.write_digest(config, db, nobody, MARCH, tmp_path / "out", clock=lambda: NOW) is None
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "name",
    [
        "Analyst\r\nBcc: victim@evil.example",
        "Analyst\nBcc: victim@evil.example",
        "Analyst\x1b]8;;https://evil.example\x07",
        "Analyst\u2028Bcc: victim@evil.example",
        "Analyst\x85Bcc: victim@evil.example",
        "\u202eAnalyst",
    ],
    ids=["crlf", "lf", "osc-escape", "line-separator", "nel", "rlo"],
)
def test_a_subscriber_name_with_a_control_character_is_refused(
    db: sqlite_utils.Database, name: str
) -> None:
    with pytest.raises(UsageError, match="control, line-break or bidi character"):
        subscribers.add_subscriber(db, "a@cert.example", name=name, now=NOW)
    assert subscribers.list_subscribers(db) == []


def test_the_cli_refuses_a_forged_bcc_in_a_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            str(tmp_path / "t.db"),
            "subscribers",
            "add",
            "a@cert.example",
            "--name",
            "Analyst\r\nBcc: victim@evil.example",
        ],
    )
    assert result.exit_code == 2
    assert "control, line-break or bidi character" in result.stderr


def test_digest_bodies_carry_no_control_from_a_stored_name_or_link(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    config = _load(httpserver, db)
    # as rows written before names and links were checked may hold them
    db.execute("update items set url = ? where guid = '1'", ["https://x.example/1\u202egpj.exe"])
    sub = Subscriber(
        email="analyst@cert.example",
        name="Analyst\r\nBcc: victim@evil.example\u202e",
        actor_sets=("russia",),
        tlp=TLP.CLEAR,
    )
    path = outbox.write_digest(config, db, sub, MARCH, tmp_path / "out", clock=lambda: NOW)
    assert path is not None
    msg = _read(path)
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert not [line for line in text.splitlines() if line.startswith("Bcc:")]
    assert "for Analyst  Bcc: victim@evil.example  · TLP:CLEAR" in text
    for body in (text, html):
        assert "\u202e" not in body
        assert "https://x.example/1%E2%80%AEgpj.exe" in body


# --- one story per event, what is new, and a subject that says what is inside ---------------

SENT_AT = datetime(2025, 3, 12, 7, 0, tzinfo=UTC)  # the first digest run
LATER = datetime(2025, 3, 19, 7, 0, tzinfo=UTC)  # a week later, the next one
CHINA = Subscriber(email="cn@cert.example", actor_sets=("china",), partners=("EE", "JP"))
# one joint advisory, as three publishers report it (their addresses name them)
JOINT = (
    ("a", "AA25-071A: Volt Typhoon targets Estonian and Japanese telecoms", "www.cisa.gov"),
    ("b", "Joint advisory AA25-071A on Volt Typhoon", "www.ncsc.gov.uk"),
    ("c", "Volt Typhoon: 共同アドバイザリ AA25-071A", "www.jpcert.or.jp"),
)


def _item(
    item_id: str,
    title: str,
    sets: tuple[str, ...] = ("russia",),
    *,
    publisher: str = "CISA",
    kind: str = "government",
    targets: tuple[str, ...] = (),
    tlp: TLP = TLP.CLEAR,
) -> BriefItem:
    """An item as the store reads it; a `news` item ranks below a `government` one."""
    return BriefItem(
        id=item_id,
        feed_id=f"feed-{item_id}",
        publisher=publisher,
        kind=kind,
        lang="en",
        url=f"https://x.example/{item_id}",
        title=title,
        summary=f"About {item_id}.",
        published_at=datetime(2025, 3, 4, 10, tzinfo=UTC),
        tlp=tlp,
        actor_sets=sets,
        targets=targets,
    )


def _digest(items: list[BriefItem], sub: Subscriber = SUB, **kw: Any) -> DigestContext:
    return build_digest(items, sub, MARCH, NOW, **kw)


def _serve(httpserver: HTTPServer, feeds: dict[str, list[tuple[str, str, str]]]) -> None:
    """Each feed at /ID, its entries as (guid, title, link host); replaces what was served."""
    httpserver.clear_all_handlers()
    for feed_id, entries in feeds.items():
        body = rss(*((g, t, f"https://{host}/{feed_id}-{g}") for g, t, host in entries))
        httpserver.expect_request(f"/{feed_id}").respond_with_data(body)


def _fetch(httpserver: HTTPServer, db: sqlite_utils.Database, at: datetime) -> Config:
    config = local_config({f: httpserver.url_for(f"/{f}") for f in "abc"}, kind="government")
    pipeline.run_fetch(config, db, clock=lambda: at)
    return config


def _mail(
    config: Config, db: sqlite_utils.Database, tmp_path: Path, port: int, at: datetime
) -> outbox.DigestRun:
    """One `threatbrief digest --send` at `at`, to the SMTP server on `port`."""
    settings = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=5)
    return outbox.run_digests(
        config, db, now=at, send=True, settings=settings, outbox=tmp_path / "o", backoff=0.01
    )


def _plain(msg: email.message.EmailMessage) -> str:
    body = msg.get_body(("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def test_one_event_from_three_feeds_is_one_story_with_its_date_publishers_and_partners(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path, smtp: tuple[Sink, int]
) -> None:
    sink, port = smtp
    _serve(httpserver, {f: [("1", title, host)] for f, title, host in JOINT})
    config = _fetch(httpserver, db, datetime(2025, 3, 10, 9, tzinfo=UTC))
    subscribers.add_subscriber(
        db, CHINA.email, actor_sets=["china"], partners=["EE", "JP"], now=SENT_AT
    )
    run = _mail(config, db, tmp_path, port, SENT_AT)
    assert run.sent == 1
    (msg,) = sink.messages
    text, html = _plain(msg), msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    # the window's dates would take it past MAX_SUBJECT: they are in the body
    assert msg["Subject"] == (
        "China: AA25-071A: Volt Typhoon targets Estonian and Japanese telecoms [TLP:CLEAR]"
    )
    assert "5 March 2025 – 12 March 2025" in text  # the window, its last day included
    assert text.count("1. AA25-071A: Volt Typhoon targets") == 1 and "\n2. " not in text
    assert "Reported by CISA, JPCERT/CC and NCSC UK." in text
    assert "   4 March 2025 · Partner: Estonia, Japan\n" in text
    assert "Reported by CISA, JPCERT/CC and NCSC UK" in html and "Partner: Estonia, Japan" in html
    assert "1 story" in html and "1 stories" not in html
    assert "since your last digest" not in text + html  # they have had none


def test_the_next_digest_lists_new_stories_first_and_marks_those_sent_before(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path, smtp: tuple[Sink, int]
) -> None:
    """The first digest carries a joint advisory and a Russian story. By the next, NCSC has
    reported the advisory too, CISA has edited the Russian story, and a new story came: only
    the new one is news; the other two follow, marked as sent before, and say what changed."""
    sink, port = smtp
    cisa, russia = JOINT[0], ("2", "GRU hackers target Estonian ministries", "www.cisa.gov")
    _serve(httpserver, {"a": [cisa, russia]})
    _fetch(httpserver, db, datetime(2025, 3, 10, 9, tzinfo=UTC))
    subscribers.add_subscriber(
        db, "liaison@cert.example", actor_sets=["china", "russia"], now=SENT_AT
    )
    edited = ("2", "GRU hackers target Estonian ministries and parliament", "www.cisa.gov")
    new = ("2", "Salt Typhoon breaches a Japanese internet provider", "www.ncsc.gov.uk")
    first = _mail(_fetch(httpserver, db, SENT_AT), db, tmp_path, port, SENT_AT)
    assert first.sent == 1
    _serve(httpserver, {"a": [cisa, edited], "b": [JOINT[1][:2] + ("www.ncsc.gov.uk",), new]})
    config = _fetch(httpserver, db, datetime(2025, 3, 13, 9, tzinfo=UTC))
    second = _mail(config, db, tmp_path, port, LATER)
    assert second.sent == 1
    before, after = (_plain(m) for m in sink.messages)
    assert "since your last digest" not in before
    assert sink.messages[1]["Subject"] == (
        "China: Salt Typhoon breaches a Japanese internet provider; 1 more on China, 1 on Russia "
        "[TLP:CLEAR]"
    )
    assert "1 new story since your last digest on 12 Mar, and news on 2 stories sent before." in (
        " ".join(after.split())
    )
    news, _, sent = after.partition("Sent before, with news since:")
    assert "1. Salt Typhoon breaches" in news and "AA25-071A" not in news
    # under the headline it was sent with, whichever report now leads the story
    assert "2. AA25-071A: Volt Typhoon targets Estonian" in sent
    assert "Sent before; new reports from NCSC UK." in sent
    # every publisher is named, those sent before too; only the new report's link is given
    assert "Reported by CISA and NCSC UK.\n   NCSC UK: https://www.ncsc.gov.uk/b-b\n\n" in sent
    assert after.count("https://www.cisa.gov/a-a") == 0 and before.count("/a-a") == 1
    assert "Sent before; its report was updated since." in sent
    assert "parliament" in sent and "Salt Typhoon" not in sent


def test_a_digest_of_stories_sent_before_says_nothing_is_new() -> None:
    sent = _item("a", "GRU hackers target Estonian ministries")
    again = _item("b", "GRU hackers target Estonian ministries, NCSC says", publisher="NCSC UK")
    window = WindowStories([Event([sent, again])], earlier={"a"})
    ctx = _digest(
        [], window=window, last_digest_at=datetime(2024, 11, 24, 7, tzinfo=UTC), sent={"a"}
    )
    assert ctx.since_last == (
        "Nothing new since your last digest on 24 Nov 2024; news on 1 story sent before."
    )
    assert [s.new_publishers for s in ctx.updates] == [["NCSC UK"]] and ctx.news == []
    assert ctx.subject.startswith("Russia (update): GRU hackers target Estonian ministries")
    # a story of nothing but what was sent before is not listed again
    assert _digest([], window=WindowStories([Event([sent])], earlier={"a"})).empty


EVERYONE = Subscriber(email="all@cert.example")  # no filters: every story


@pytest.mark.parametrize(
    "others,subject,since",
    [
        (
            [],
            "Russia: GRU hackers target Estonian ministries · 1 Mar – 11 Mar 2025 [TLP:CLEAR]",
            "1 new story since",
        ),
        (
            ["north-korea"],
            "Russia: GRU hackers target Estonian ministries; 1 more on North Korea [TLP:CLEAR]",
            "2 new stories since",
        ),
        (
            ["north-korea", "russia"],
            "Russia: GRU hackers target Estonian ministries; 1 more on North Korea, 1 on Russia "
            "[TLP:CLEAR]",
            "3 new stories since",
        ),
        (
            ["north-korea", "", "russia", "north-korea", "", "russia", "north-korea"],
            "Russia: GRU hackers target Estonian…; 3 more on North Korea, 2 on Russia, 2 others "
            "[TLP:CLEAR]",
            "8 new stories since",
        ),
        (
            [""],
            "Russia: GRU hackers target Estonian ministries; 1 more · 1 Mar – 11 Mar 2025 "
            "[TLP:CLEAR]",
            "2 new stories since",
        ),
    ],
    ids=["one", "two", "three", "many", "one-without-a-set"],
)
def test_subject_and_counts_read_right_for_one_two_and_many(
    others: list[str], subject: str, since: str
) -> None:
    lead = _item("lead", "GRU hackers target Estonian ministries")
    items = [lead] + [
        _item(f"i{n}", f"Story {n}", (key,) if key else (), kind="news")
        for n, key in enumerate(others)
    ]
    ctx = _digest(items, EVERYONE, last_digest_at=datetime(2025, 3, 1, 7, tzinfo=UTC))
    assert ctx.subject == subject
    assert ctx.since_last.startswith(since + " your last digest on 1 Mar")


def test_a_digest_of_no_stories_still_has_a_subject_and_says_nothing_is_new() -> None:
    ctx = _digest([], last_digest_at=datetime(2025, 3, 1, 7, tzinfo=UTC))
    assert ctx.empty and ctx.subject == "Threat digest 1 Mar – 11 Mar 2025: no stories [TLP:CLEAR]"
    assert ctx.since_last == "Nothing new since your last digest on 1 Mar."


HOSTILE = [
    "GRU hackers\r\nBcc: victim@evil.example",
    "GRU\u2028hackers\x85Bcc: x@evil.example\u202e",
    "GRU \x1b]8;;https://evil.example\x07hackers\x00",
    "[TLP:CLEAR] GRU hackers target ministries",
    "GRU " + "hackers " * 40,
    "ＧＲＵ" + "ハッカーがエストニアの省庁を標的に" * 8,
    "\r\n\u202e\x00",
]


@pytest.mark.parametrize(
    "title",
    HOSTILE,
    ids=["crlf-bcc", "separators-bidi", "osc-nul", "own-tlp-marker", "long", "cjk", "nothing"],
)
def test_a_hostile_title_gives_one_short_line_with_one_tlp_marker(title: str) -> None:
    amber = dataclasses.replace(SUB, tlp=TLP.AMBER)
    other = _item("b", "Lazarus", ("north-korea",), kind="news")
    subject = _digest([_item("a", title, tlp=TLP.AMBER), other], amber).subject
    assert 0 < len(subject) <= MAX_SUBJECT and subject == " ".join(subject.split())
    assert not has_controls(subject) and subject.startswith("Russia: ")
    assert "; 1 more on North Korea" in subject and subject.endswith(" [TLP:AMBER]")
    assert subject.count("[TLP:") == 1


def test_a_subject_stays_short_with_a_long_title_and_many_actor_sets() -> None:
    keys = ["china", "russia", "north-korea", "iran", "belarus", "vietnam", "pakistan", "india"]
    items = [_item("top", "Volt Typhoon " + "persists in networks " * 10, ("china",))]
    items += [_item(f"x{n}", f"Story {n}", (k,), kind="news") for n, k in enumerate(keys * 2)]
    subject = _digest(items, EVERYONE).subject
    assert len(subject) <= MAX_SUBJECT and subject.endswith("; 16 more [TLP:CLEAR]")
    assert subject.startswith("China: Volt Typhoon persists in networks") and "…" in subject


def test_a_hostile_title_reaches_the_smtp_server_as_one_header(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path, smtp: tuple[Sink, int]
) -> None:
    sink, port = smtp
    title = "[TLP:CLEAR] Volt Typhoon\r\nBcc: victim@evil.example\u202e " + "x" * 120
    _serve(httpserver, {"a": [("1", title, "www.cisa.gov")]})
    config = _fetch(httpserver, db, datetime(2025, 3, 10, 9, tzinfo=UTC))
    db.execute("update items set tlp = 'amber'")
    subscribers.add_subscriber(
        db, "cn@cert.example", actor_sets=["china"], tlp="amber", now=SENT_AT
    )
    assert _mail(config, db, tmp_path, port, SENT_AT).sent == 1
    (msg,) = sink.messages
    subject = str(msg["Subject"])
    assert msg["Bcc"] is None and sink.recipients == ["cn@cert.example"]
    assert len(subject) <= MAX_SUBJECT and not has_controls(subject)
    assert subject.startswith("China: Volt Typhoon Bcc: victim@evil.example")
    assert subject.endswith("… [TLP:AMBER]") and subject.count("[TLP:") == 1


def test_a_report_of_an_event_from_before_the_first_digest_is_news(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    """A daily subscriber who joined after CISA reported an event never had it: when NCSC
    reports it too, it is news to them, not a story sent before."""
    cisa, other = JOINT[0], ("2", "GRU hackers target Estonian ministries", "www.cisa.gov")
    _serve(httpserver, {"a": [cisa]})
    _fetch(httpserver, db, datetime(2025, 3, 5, 9, tzinfo=UTC))
    _serve(httpserver, {"a": [cisa, other]})
    _fetch(httpserver, db, datetime(2025, 3, 11, 9, tzinfo=UTC))
    subscribers.add_subscriber(
        db, "d@cert.example", actor_sets=["china", "russia"], cadence="daily", now=SENT_AT
    )

    def digest(at: datetime) -> str:
        run = outbox.run_digests(
            config, db, now=at, send=False, settings=None, outbox=tmp_path / str(at.day)
        )
        (path,) = run.written
        return _plain(_read(path))

    config = _fetch(httpserver, db, SENT_AT)
    first = digest(SENT_AT)
    assert "GRU hackers" in first and "AA25-071A" not in first
    _serve(httpserver, {"a": [cisa, other], "b": [JOINT[1][:2] + ("www.ncsc.gov.uk",)]})
    config = _fetch(httpserver, db, datetime(2025, 3, 12, 9, tzinfo=UTC))
    text = " ".join(digest(datetime(2025, 3, 13, 7, tzinfo=UTC)).split())
    assert "1 new story since your last digest on 12 Mar." in text
    assert "1. Joint advisory AA25-071A on Volt Typhoon" in text and "Sent before" not in text


def test_a_story_only_unknown_feeds_report_comes_last_and_is_marked_unverified() -> None:
    from threatbrief.render import render_digest

    items = [
        _item("u", "Blog says APT28 hit a Tallinn port", kind="unknown", publisher="Some blog"),
        _item("k", "APT28 phishing against Estonian ministries", publisher="CISA"),
    ]
    ctx = _digest(items)
    assert [s.title for s in ctx.stories] == [
        "APT28 phishing against Estonian ministries",
        "Blog says APT28 hit a Tallinn port",
    ]
    assert [s.unverified for s in ctx.stories] == [False, True]
    assert "unverified" not in ctx.subject.lower()
    text, html = render_digest(ctx)
    blog = text[text.index("Blog says APT28") :]
    assert "Unverified: no source of known standing reports it." in " ".join(blog.split())
    assert "<strong>Unverified:</strong>" in html
    # alone, it leads, and the subject says what it is
    alone = _digest(items[:1])
    assert alone.subject.startswith("Russia (unverified): Blog says APT28")


def test_a_long_subject_with_encoded_words_reads_back_as_written(tmp_path: Path) -> None:
    from threatbrief.digest.message import build_message, write_eml

    subject = "Russia (unverified): GRU hackers target Estonian ministries · 5 Mar – 12 Mar 2025"
    subject += " 北朝鮮 [TLP:CLEAR]"
    msg = build_message(
        sender="a@x.example", recipient="b@x.example", subject=subject, text="t", html="<p>h</p>",
        msg_id="<m@x.example>", date_utc=NOW,
    )  # fmt: skip
    path = write_eml(tmp_path, "m", msg)
    raw = path.read_bytes()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    back = email.message_from_bytes(raw, policy=default)
    assert back["Subject"] == subject
