"""Statistics: counts match a scripted set of conversations, small counts are masked, nobody can be singled out."""
from __future__ import annotations

import re
from datetime import date

import pytest

from bot.conversations.stats import Stats, day_of, shown
from tests.conftest import Staff, inbound_form, post_signed, replies


@pytest.mark.parametrize("count, text", [(0, "0"), (1, "< 5"), (4, "< 5"), (5, "5"), (120, "120")])
def test_small_counts_are_masked(count, text):
    assert shown(count) == text


def test_days_follow_the_departments_time_zone():
    assert day_of(1_790_000_000, "UTC") == "2026-09-21"             # 14:13 UTC
    assert day_of(1_790_000_000 + 11 * 3600, "UTC") == "2026-09-22"
    assert day_of(1_790_000_000 + 11 * 3600, "America/Chicago") == "2026-09-21"


def test_summary_adds_days_and_groups(redis_client):
    stats = Stats(redis_client, "UTC")
    with redis_client.pipeline() as pipe:
        stats.count(pipe, 1_790_000_000, ["channel|sms", "language|es", "outcome|tip_finished"])
        stats.count(pipe, 1_790_000_000 + 86400, ["channel|sms", "channel|whatsapp", "language|es"])
        pipe.execute()
    stats.response(1_790_000_000, 1800)
    stats.response(1_790_000_000, 90000)
    summary = stats.summary(date(2026, 9, 22), 3)
    assert summary.days == ["2026-09-20", "2026-09-21", "2026-09-22"]
    assert summary.totals["channel"] == {"sms": 2, "whatsapp": 1} and summary.totals["language"] == {"es": 2}
    assert summary.per_day["2026-09-22"] == {"conversations": 2, "tips": 0}
    assert summary.per_day["2026-09-21"] == {"conversations": 1, "tips": 1}
    assert summary.buckets == {"under_1h": 1, "over_24h": 1} and summary.average_response_minutes == 765


def converse(client, sender: str, messages: list[str]) -> list[str]:
    texts: list[str] = []
    for body in messages:
        texts = replies(post_signed(client, inbound_form(sender, body)))
    return texts


def test_counts_match_a_scripted_day_and_the_page_masks_small_ones(app, client, clock):
    for i in range(6):
        converse(client, f"+1555000{i:04d}", ["la policia pregunta si tengo papeles?"])
    for i in range(2):
        texts = converse(client, f"whatsapp:+1555100{i:04d}", ["hello", "2", "my car was broken into", "Elm St",
                                                                "last night", "skip", "no", "2"])
    code = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}", "\n".join(texts)).group(0)
    converse(client, "+15552000000", ["hola", "2", "me robaron", "STOP"])
    converse(client, "+15553000000", ["estan disparando"])
    line = app.extensions["linea"]
    summary = line.stats.summary(date.fromisoformat(day_of(clock(), "UTC")), 1)
    assert summary.totals["channel"] == {"sms": 8, "whatsapp": 2}
    assert summary.totals["language"] == {"es": 8, "en": 2}
    assert summary.totals["topic"] == {"immigration": 6, "greet": 3, "emergency": 1}
    assert summary.totals["outcome"] == {"policy": 6, "tip_started": 3, "tip_finished": 2, "opted_out": 1,
                                         "emergency": 1}

    clock.advance(1800)
    Staff(app, "maria").get(f"/dashboard/tips/{code}")  # the first officer action on one tip, 30 min later
    Staff(app, "jose").get(f"/dashboard/tips/{code}")   # a second view is not a first action
    page = Staff(app, "coord", "coordinator").get("/dashboard/stats").get_data(as_text=True)
    table = lambda name: page[page.index(f'id="stats-{name}"'):].split("</table>")[0]  # noqa: E731
    assert "<th>Spanish</th><td>8</td>" in table("language") and "<th>English</th><td>&lt; 5</td>" in table("language")
    assert "<th>Immigration question</th><td>6</td>" in table("topic") and "<th>Greeting</th>" in table("topic")
    assert "<th>SMS</th><td>8</td>" in table("channel")
    assert "Heard the immigration policy</th><td>6</td>" in table("outcome")
    assert "Finished a tip</th><td>&lt; 5</td>" in table("outcome")
    assert "Less than 1 hour</th><td>&lt; 5</td>" in table("response") and "too few to show" in table("response")
    assert 'counts from 1 to 4 are shown as "&lt; 5"' in page.replace("&#34;", '"')
    assert 'id="y-axis-title"' in page and "Number per day" in page and "Day (UTC)" in page
    assert page.count("<rect ") == 60 and 'class="bar tips masked"' in page
    assert code not in page and not re.search(r"555\d{7}", page)


@pytest.mark.parametrize("role, status", [("coordinator", 200), ("admin", 200), ("officer", 403)])
def test_statistics_are_for_coordinators_and_admins(app, role, status):
    assert Staff(app, "user1", role).get("/dashboard/stats").status_code == status
