"""The time axis of the timeline pages (issue 16, "Timelines ... with zoom"):
``ilp_platform/web/templatetags/time_axis.py`` and ``templates/core/_time_axis.html``."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict
from django.template import Context, Template
from django.urls import reverse

from ilp_platform.web.templatetags import time_axis as ta
from operations import services
from tests.intelligence.helpers import as_user, make_report
from tests.intelligence.test_entity_set_timeline import records  # noqa: F401 (a fixture)

UTC = dt.UTC


def _items(*days: dt.date, hour: int = 12) -> list[dict]:
    return [{"at": dt.datetime(d.year, d.month, d.day, hour, tzinfo=UTC)} for d in days]


def _query(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query)


# --- The bucket -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "unit"),
    [
        (dt.date(2026, 3, 1), dt.date(2026, 3, 1), "day"),
        (dt.date(2026, 3, 1), dt.date(2026, 4, 29), "day"),  # 60 days
        (dt.date(2026, 3, 1), dt.date(2026, 4, 30), "week"),  # 61 days
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31), "week"),
        (dt.date(2025, 1, 1), dt.date(2026, 6, 30), "month"),  # 18 months: 78 weeks
        (dt.date(2020, 1, 1), dt.date(2024, 12, 31), "month"),  # 60 months
        (dt.date(2010, 1, 1), dt.date(2026, 12, 31), "year"),
    ],
)
def test_the_bucket_is_the_shortest_giving_at_most_sixty_bars(start, end, unit):
    assert ta.choose_unit(start, end) == unit
    assert len(ta.bucket_starts(start, end, unit)) <= ta.MAX_BARS


def test_weeks_start_on_monday_and_months_on_their_first_day():
    weeks = ta.buckets([], dt.date(2026, 3, 4), dt.date(2026, 3, 20), "week")
    assert [(b.start, b.end) for b in weeks] == [
        (dt.date(2026, 3, 2), dt.date(2026, 3, 8)),
        (dt.date(2026, 3, 9), dt.date(2026, 3, 15)),
        (dt.date(2026, 3, 16), dt.date(2026, 3, 22)),
    ]
    months = ta.buckets([], dt.date(2024, 1, 15), dt.date(2024, 3, 2), "month")
    assert [(b.start, b.end) for b in months] == [
        (dt.date(2024, 1, 1), dt.date(2024, 1, 31)),
        (dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        (dt.date(2024, 3, 1), dt.date(2024, 3, 31)),
    ]


# --- The bars -------------------------------------------------------------------------------


def test_the_counts_of_the_bars_add_up_to_the_items():
    days = [dt.date(2026, 3, 2)] * 3 + [dt.date(2026, 3, 20), dt.date(2026, 4, 28)] * 2
    axis = ta.build_axis(_items(*days), QueryDict())
    assert axis["unit"] == "day"
    assert sum(bar["count"] for bar in axis["bars"]) == len(days) == axis["total"] == 7
    assert [(bar["since"], bar["count"]) for bar in axis["bars"]] == [
        (dt.date(2026, 3, 2), 3),
        (dt.date(2026, 3, 20), 2),
        (dt.date(2026, 4, 28), 2),
    ]
    assert axis["label"] == "7 items from 2 March 2026 to 28 April 2026, by day"
    assert axis["bars"][0]["title"] == "3 items, 2 March 2026"
    # The tallest bar fills the plot; the others are in proportion.
    heights = [float(bar["height"]) for bar in axis["bars"]]
    assert heights[0] == ta.HEIGHT - ta.TOP - ta.BOTTOM
    assert heights[1] == pytest.approx(heights[0] * 2 / 3, abs=0.1)


def test_items_outside_the_period_asked_are_not_counted_and_weeks_are_named():
    days = [dt.date(2026, 1, 5), dt.date(2026, 3, 3), dt.date(2026, 3, 4), dt.date(2026, 4, 1)]
    axis = ta.build_axis(_items(*days), QueryDict("since=2026-03-01&until=2026-04-30"))
    assert axis["unit"] == "week"
    assert sum(bar["count"] for bar in axis["bars"]) == 3
    assert axis["bars"][0]["title"] == "2 items, week of 2 March 2026"
    assert axis["label"] == "3 items from 1 March 2026 to 30 April 2026, by week"


def test_an_empty_timeline_draws_no_bars(rf):
    assert ta.build_axis([], QueryDict())["bars"] == []
    narrowed = ta.build_axis([], QueryDict("since=2026-03-01&until=2026-03-31"))
    assert narrowed["bars"] == []
    # ... but a narrowed page can still be widened.
    wider = _query(narrowed["zoom_out_url"])
    assert (wider["since"], wider["until"]) == (["2026-02-14"], ["2026-04-16"])
    assert "since" not in _query(narrowed["whole_url"])
    request = rf.get("/", {"since": "2026-03-01"})
    page = Template("{% load time_axis %}{% time_axis items %}").render(
        Context({"request": request, "items": []})
    )
    assert "<svg" not in page and "<rect" not in page
    assert "Whole period" in page


# --- The links ------------------------------------------------------------------------------


def test_a_bar_links_to_its_own_period_keeping_the_other_parameters():
    query = QueryDict("ids=4,5&kind=report&kind=link&since=2026-03-01&until=2026-04-30&format=csv")
    axis = ta.build_axis(_items(dt.date(2026, 3, 4)), query)
    link = _query(axis["bars"][0]["url"])
    assert link["since"] == ["2026-03-02"] and link["until"] == ["2026-03-08"]
    assert link["ids"] == ["4,5"] and link["kind"] == ["report", "link"]
    assert "format" not in link  # the page, not its CSV export


def test_zoom_out_doubles_the_period_around_its_middle():
    query = QueryDict("kind=report&since=2026-03-11&until=2026-03-20")
    axis = ta.build_axis(_items(dt.date(2026, 3, 12)), query)
    link = _query(axis["zoom_out_url"])
    since, until = (dt.date.fromisoformat(link[k][0]) for k in ("since", "until"))
    assert (since, until) == (dt.date(2026, 3, 6), dt.date(2026, 3, 25))
    assert (until - since).days + 1 == 2 * 10
    assert link["kind"] == ["report"]
    whole = _query(axis["whole_url"])
    assert whole == {"kind": ["report"]}
    # An odd length doubles too.
    assert ta.zoom_out(dt.date(2026, 3, 1), dt.date(2026, 3, 3)) == (
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 5),
    )


def test_without_a_period_asked_the_axis_spans_the_items_and_offers_no_whole_period():
    axis = ta.build_axis(_items(dt.date(2024, 3, 1), dt.date(2024, 4, 1)), QueryDict())
    assert "whole_url" not in axis
    assert axis["label"].startswith("2 items from 1 March 2024 to 1 April 2024")


# --- The pages ------------------------------------------------------------------------------


def _rendered_bars(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a class="time-axis-bar" href="([^"]+)"[^>]*><title>([^<]+)</title>', html)


@pytest.mark.django_db
def test_the_operation_timeline_shows_the_axis_above_the_list(world, login):
    with as_user(world.analyst):
        operation = services.open_operation(
            actor=world.analyst,
            data={
                "name": "Nightjar",
                "reference": "OP-2026-001",
                "objectives": "Disrupt the supply line.",
                "compartment": world.general,
            },
        )
        reports = [
            make_report(world, occurred_at=dt.datetime(2024, 3, day, 12, tzinfo=UTC))
            for day in (1, 1, 9)
        ]
        services.gather(operation, actor=world.analyst, kind="reports", records=reports)
    client = login(world.analyst)
    url = reverse("operations:timeline", args=[operation.pk])
    response = client.get(url, {"kind": "report", "since": "2024-03-01", "until": "2024-03-31"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="group" aria-label="3 items from 1 March 2024 to 31 March 2024, by day"' in html
    assert html.index("time-axis-chart") < html.index('<ol class="list-unstyled')
    bars = _rendered_bars(html)
    assert [title for _, title in bars] == ["2 items, 1 March 2024", "1 item, 9 March 2024"]
    first = _query(bars[0][0].replace("&amp;", "&"))
    assert first == {"kind": ["report"], "since": ["2024-03-01"], "until": ["2024-03-01"]}
    assert "Zoom out" in html and "Whole period" in html
    assert " style=" not in html[html.index("time-axis") : html.index("</figure>")]
    zoomed = client.get(url, first)
    assert {i["object_id"] for i in zoomed.context["timeline"]} == {r.pk for r in reports[:2]}


@pytest.mark.django_db
def test_the_entity_set_timeline_shows_the_axis(records, login):  # noqa: F811
    world, e = records["world"], records["e"]
    client = login(world.analyst2)
    ids = f"{e['A'].pk},{e['B'].pk},{e['C'].pk}"
    page = reverse("intelligence:entity_set_timeline")
    response = client.get(page, {"ids": ids, "kind": "report"})
    assert response.status_code == 200
    html = response.content.decode()
    # The two reports the reader may see: 1 March and 1 April 2024, by day (32 days).
    assert "2 items from 1 March 2024 to 1 April 2024, by day" in html
    bars = _rendered_bars(html)
    assert [title for _, title in bars] == ["1 item, 1 March 2024", "1 item, 1 April 2024"]
    link = _query(bars[1][0].replace("&amp;", "&"))
    assert link == {
        "ids": [ids],
        "kind": ["report"],
        "since": ["2024-04-01"],
        "until": ["2024-04-01"],
    }
    narrowed = client.get(page, link)
    assert [i["object_id"] for i in narrowed.context["timeline"]] == [
        records["reports"]["other"].pk
    ]
