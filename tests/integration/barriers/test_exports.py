"""What the queries show of barriers: you said, we did; history; similar barriers; the CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from teams_app.activity import describe
from teams_app.barriers import queries, services
from teams_app.extensions import db
from teams_app.models import Barrier, utcnow
from tests.integration.barriers.helpers import (
    fresh,
    log,
    reopen,
    report,
    resolve,
    update,
)

# --- Queries: you said, we did; history; similar; CSV -------------------------------------------


def test_you_said_we_did_lists_my_barriers_closed_lately(outsider, staff, team_of_three):
    recent = report(outsider, team_id=team_of_three.id, title="Recent")
    latest = report(outsider, team_id=team_of_three.id, title="Latest")
    old = report(outsider, team_id=team_of_three.id, title="Old")
    report(outsider, team_id=team_of_three.id, title="Still open")
    someone_elses = report(staff, team_id=team_of_three.id, title="Someone else's")
    for b in (recent, latest, old, someone_elses):
        resolve(staff, b)
    now = utcnow()
    db.session.get(Barrier, recent.id).resolved_at = now - timedelta(days=2)
    db.session.get(Barrier, old.id).resolved_at = now - timedelta(days=31)
    db.session.commit()
    assert [b.title for b in queries.you_said_we_did(outsider)] == ["Latest", "Recent"]
    assert [b.title for b in queries.you_said_we_did(outsider, days=60)] == [
        "Latest",
        "Recent",
        "Old",
    ]


def test_a_reopened_barrier_leaves_you_said_we_did(outsider, staff, team_of_three):
    barrier = report(outsider, team_id=team_of_three.id)
    resolve(staff, barrier)
    assert [b.id for b in queries.you_said_we_did(outsider)] == [barrier.id]
    reopen(outsider, barrier)
    assert queries.you_said_we_did(outsider) == []


def test_history_includes_the_events_of_its_actions(staff, team_of_three, member):
    barrier = report(staff, team_id=team_of_three.id)
    action = log(member, barrier)
    update(member, action, status="done", outcome="Called.")
    resolve(staff, barrier)
    other = report(staff, team_id=team_of_three.id, title="Another barrier")
    log(member, other)
    events = queries.history(fresh(barrier))
    assert [e.verb for e in events] == [
        "reported_barrier",
        "logged_action",
        "completed_action",
        "resolved_barrier",
    ]
    assert [e.actor.name for e in events] == ["Sam Staff", "Mo Member", "Mo Member", "Sam Staff"]
    assert describe(events[2]) == "marked the action “Call the vendor” done"


def test_similar_open_finds_shared_words_and_skips_closed_ones(staff, team_of_three, leader):
    jams = report(staff, title="Printer jams in the library")
    toner = report(staff, title="Printer out of toner")
    report(staff, title="Wifi drops at noon")
    broken = report(staff, title="Printer broken", team_id=team_of_three.id)
    resolve(staff, broken)
    found = services.similar_open("The printer jams again")
    assert [b.id for b in found] == [jams.id, toner.id]  # most shared words first
    assert [b.id for b in services.similar_open("printer jams", exclude_id=jams.id)] == [toner.id]
    assert services.similar_open("the and for") == []
    assert services.similar_open("") == []
    assert len(services.similar_open("printer", limit=1)) == 1


def test_similar_open_ranks_worse_barriers_first_among_equals(staff):
    low = report(staff, title="Desk queue long", severity="low")
    high = report(staff, title="Desk phone dead", severity="critical")
    assert [b.id for b in services.similar_open("desk")] == [high.id, low.id]


def test_csv_has_a_header_and_one_line_per_barrier(register, staff):
    report(staff, title='=HYPERLINK("http://evil")', description="-1+1")
    lines = list(
        queries.csv_lines(queries.BarrierFilter(), lambda i: f"http://x/barriers/{i}", batch=2)
    )
    assert len(lines) == 1 + 5
    assert lines[0].startswith("\ufeff")
    assert all(line.endswith("\r\n") for line in lines)
    rows = list(csv.reader(io.StringIO("".join(lines).removeprefix("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert tuple(header) == queries.CSV_COLUMNS
    as_dicts = [dict(zip(header, row, strict=True)) for row in body]
    assert [int(r["id"]) for r in as_dicts[:4]] == [
        register.ids[n] for n in ("open", "addressing", "removed", "accepted")
    ]
    first = as_dicts[0]
    assert first["title"] == "Slow wifi in the branch"
    assert (first["department"], first["team"], first["reported_by"]) == (
        "North Branch",
        "Desk Team",
        "Oz Outsider",
    )
    assert first["url"] == f"http://x/barriers/{register.ids['open']}"
    assert first["resolved_at"] == "" and float(first["days_open"]) >= 4
    removed = as_dicts[2]
    assert removed["status"] == "removed" and removed["resolved_at"].endswith("UTC")
    assert removed["resolution"] == "The vendor replaced the printers."
    evil = as_dicts[4]
    assert evil["title"] == '\'=HYPERLINK("http://evil")'
    assert evil["description"] == "'-1+1"


def test_csv_follows_the_filter(register):
    lines = list(
        queries.csv_lines(queries.BarrierFilter(status="closed", sort="newest"), lambda i: "")
    )
    rows = list(csv.reader(io.StringIO("".join(lines).removeprefix("\ufeff"))))
    assert [int(r[0]) for r in rows[1:]] == [register.ids["accepted"], register.ids["removed"]]
