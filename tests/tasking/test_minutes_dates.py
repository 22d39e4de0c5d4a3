"""One date shape per language (docs/dates.md): the meeting pages, the minutes (HTML and the
text the PDF is printed from), the meeting form, the decision log's CSV and the oversight
console show dates as 2026-12-06 (and 2026-12-06 14:30), never in another shape."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from audit import anomalies
from audit.models import Anomaly
from ilp_platform.web import pdf
from tasking import services
from tasking.forms import MeetingForm
from tests.tasking.helpers import as_user, make_meeting, make_priority, make_tasking

pytestmark = pytest.mark.django_db

MONTHS = (
    "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
    "|janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc"
)
OTHER_SHAPES = {
    "month first (Dec. 6, 2032)": re.compile(rf"\b(?:{MONTHS})[a-zé]*\.? \d{{1,2}}, \d{{4}}"),
    "day month year (6 Dec 2026)": re.compile(rf"\b\d{{1,2}}\.? (?:{MONTHS})[a-zé]*\.? \d{{4}}"),
    "slashes (12/06/2026)": re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),
    "dots (06.12.2026)": re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b"),
    "12-hour clock (2:30 p.m.)": re.compile(
        r"\b\d{1,2}(?::\d\d)? ?[ap]\.m\.|\bmidnight\b|\bnoon\b"
    ),
    "browser date box": re.compile(r'type="date(?:time-local)?"'),
}
ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")


def _other_shapes(text: str) -> list[str]:
    text = re.sub(r"<script\b.*?</script>", "", text, flags=re.S)
    return [
        f"{name}: {match.group(0)!r}"
        for name, pattern in OTHER_SHAPES.items()
        for match in pattern.finditer(text)
    ]


@pytest.fixture
def meeting(world):
    meeting = make_meeting(world, open_=True, title="Dates meeting")
    priority = make_priority(world)
    make_tasking(world, priority, meeting=meeting, due_in_days=40)
    with as_user(world.manager):
        services.record_decision(
            meeting,
            actor=world.manager,
            data={"subject_kind": "general", "decision": "Patrol", "rationale": "Hotspot."},
        )
    return meeting


def test_the_formats_are_iso_in_each_language():
    template = Template(
        '{{ d|date }}|{{ d|date:"SHORT_DATE_FORMAT" }}|{{ t|date:"SHORT_DATETIME_FORMAT" }}|{{ t }}'
    )
    context = Context({"d": date(2032, 12, 6), "t": datetime(2032, 12, 6, 14, 30)})
    for language in ("en", "fr"):
        with translation.override(language):
            assert template.render(context) == (
                "2032-12-06|2032-12-06|2032-12-06 14:30|2032-12-06 14:30"
            ), language


def test_a_form_shows_and_accepts_the_one_shape_only(world):
    form = MeetingForm(user=world.manager, initial={"scheduled_for": datetime(2032, 12, 6, 9, 5)})
    html = str(form["scheduled_for"])
    assert 'value="2032-12-06 09:05"' in html and 'placeholder="YYYY-MM-DD hh:mm"' in html
    assert not _other_shapes(html)
    data = {
        "kind": "tactical",
        "title": "x",
        "chair": world.manager.pk,
        "compartment": world.general.pk,
    }
    assert MeetingForm({**data, "scheduled_for": "2032-12-06 09:05"}, user=world.manager).is_valid()
    refused = MeetingForm({**data, "scheduled_for": "12/06/2032 09:05"}, user=world.manager)
    assert not refused.is_valid() and "scheduled_for" in refused.errors


def test_pages_minutes_pdf_and_csv_show_no_other_date_shape(
    client, login, world, meeting, monkeypatch
):
    Anomaly.objects.create(
        day=date(2026, 11, 6),
        actor_username="analyst",
        kind=Anomaly.Kind.DENIED,
        summary="6 refused attempts",
        event_count=6,
        score=6,
    )
    anomalies.run(days=1)
    printed = {}
    real = pdf.render_pdf

    def spy(template, context, **kwargs):
        from django.template.loader import render_to_string

        printed["html"] = render_to_string(template, context)
        return real(template, context, **kwargs)

    monkeypatch.setattr(pdf, "render_pdf", spy)
    login(world.manager)
    minutes = reverse("tasking:meeting_minutes", args=[meeting.pk])
    texts = {
        "meeting page": client.get(meeting.get_absolute_url()).content.decode(),
        "meeting list": client.get(reverse("tasking:meeting_list")).content.decode(),
        "meeting form": client.get(reverse("tasking:meeting_create")).content.decode(),
        "minutes html": client.get(minutes + "?as=html").content.decode(),
        "decision log": client.get(reverse("tasking:decision_list")).content.decode(),
    }
    assert client.get(minutes + "?as=pdf").status_code == 200
    texts["minutes pdf"] = printed["html"]
    response = client.get(reverse("tasking:decision_export"))
    texts["decision csv"] = b"".join(response.streaming_content).decode()
    client.force_login(world.oversight)
    for name in ("event_list", "anomaly_list", "integrity"):
        texts[name] = client.get(reverse(f"audit:{name}")).content.decode()
    response = client.get(reverse("audit:event_export"))
    texts["audit csv"] = b"".join(response.streaming_content).decode()
    for name, text in texts.items():
        assert not _other_shapes(text), (name, _other_shapes(text)[:5])
    for name in ("meeting page", "minutes html", "minutes pdf", "decision csv", "anomaly_list"):
        assert ISO_DATE.search(texts[name]), name
