"""Dates per language (docs/dates.md): the meeting pages, the minutes (HTML and the text the
PDF is printed from), the meeting form and the oversight console show the language's day-first
shape (06/12/2026 in English, French, Italian and Spanish; 06.12.2026 in German and Russian,
with a time as 14:30), never another; forms take that shape or ISO 8601; the CSV files keep
ISO 8601 (2026-12-06)."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from django.conf import settings
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

# Each language's date, date and time as the pages print 6 December 2032, 14:30.
SHAPES = {
    "en": ("06/12/2032", "06/12/2032 14:30"),
    "fr": ("06/12/2032", "06/12/2032 14:30"),
    "de": ("06.12.2032", "06.12.2032 14:30"),
    "it": ("06/12/2032", "06/12/2032 14:30"),
    "ru": ("06.12.2032", "06.12.2032 14:30"),
    "es": ("06/12/2032", "06/12/2032 14:30"),
}
MONTHS = (
    "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
    "|janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc"
)
SLASHES = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")
DOTS = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b")
ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")
# The shape a page in the language shows, and the numeric one it must not.
OWN = {"/": (re.compile(r"\b\d\d/\d\d/20\d\d\b"), DOTS), ".": (DOTS, SLASHES)}
SEPARATOR = {"en": "/", "fr": "/", "it": "/", "es": "/", "de": ".", "ru": "."}
OTHER_SHAPES = {
    "month first (Dec. 6, 2032)": re.compile(rf"\b(?:{MONTHS})[a-zé]*\.? \d{{1,2}}, \d{{4}}"),
    "day month year (6 Dec 2026)": re.compile(rf"\b\d{{1,2}}\.? (?:{MONTHS})[a-zé]*\.? \d{{4}}"),
    "12-hour clock (2:30 p.m.)": re.compile(
        r"\b\d{1,2}(?::\d\d)? ?[ap]\.m\.|\bmidnight\b|\bnoon\b"
    ),
    "browser date box": re.compile(r'type="date(?:time-local)?"'),
}


def _shown(text: str) -> str:
    """What a reader sees of a page: no scripts, no tags (their attributes carry addresses),
    no quoted JSON values (the audit trail shows an event's details as they were stored)."""
    text = re.sub(r"<script\b.*?</script>", "", text, flags=re.S)
    text = re.sub(r"&quot;[^&<]*?&quot;", "", text)
    return re.sub(r"<[^>]*>", " ", text)


def _other_shapes(text: str, *, language: str | None) -> list[str]:
    """Dates in ``text`` not in the shape of ``language`` (None: a CSV file, ISO 8601 only)."""
    patterns = dict(OTHER_SHAPES)
    if language is None:
        patterns.update({"slashes (06/12/2032)": SLASHES, "dots (06.12.2032)": DOTS})
    else:
        patterns["another language's shape"] = OWN[SEPARATOR[language]][1]
        patterns["ISO 8601 on a page"] = ISO_DATE
        text = _shown(text)
    found = [
        f"{name}: {match.group(0)!r}"
        for name, pattern in patterns.items()
        for match in pattern.finditer(text)
    ]
    if language is not None:  # the form's hint names ISO 8601 as also accepted
        found = [f for f in found if "YYYY-MM-DD" not in f]
    return found


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


def test_each_language_prints_its_own_day_first_shape():
    template = Template(
        '{{ d|date }}|{{ d|date:"SHORT_DATE_FORMAT" }}|{{ t|date:"SHORT_DATETIME_FORMAT" }}|{{ t }}'
    )
    context = Context({"d": date(2032, 12, 6), "t": datetime(2032, 12, 6, 14, 30)})
    assert {code for code, _name in settings.LANGUAGES} == set(SHAPES)
    for language, (day, moment) in SHAPES.items():
        with translation.override(language):
            assert template.render(context) == f"{day}|{day}|{moment}|{moment}", language


def _meeting_data(world) -> dict:
    return {
        "kind": "tactical",
        "title": "x",
        "chair": world.manager.pk,
        "compartment": world.general.pk,
    }


@pytest.mark.parametrize("language", list(SHAPES))
def test_a_form_shows_its_language_shape_and_accepts_it_or_iso(world, language):
    day, _moment = SHAPES[language]
    hint = "DD/MM/YYYY hh:mm" if SEPARATOR[language] == "/" else "DD.MM.YYYY hh:mm"
    with translation.override(language):
        form = MeetingForm(
            user=world.manager, initial={"scheduled_for": datetime(2032, 12, 6, 9, 5)}
        )
        html = str(form["scheduled_for"])
        assert f'value="{day} 09:05"' in html and f'placeholder="{hint}"' in html
        assert "YYYY-MM-DD hh:mm" in html  # the hint says ISO 8601 is taken too
        data = _meeting_data(world)
        for typed in (f"{day} 09:05", "2032-12-06 09:05", "2032-12-06T09:05"):
            form = MeetingForm({**data, "scheduled_for": typed}, user=world.manager)
            assert form.is_valid(), (language, typed, form.errors)
            assert form.cleaned_data["scheduled_for"].replace(tzinfo=None) == datetime(
                2032, 12, 6, 9, 5
            )
        other = "06.12.2032 09:05" if SEPARATOR[language] == "/" else "06/12/2032 09:05"
        for typed in ("12/31/2032 09:05", other, "Dec 6, 2032 09:05", "2032/12/06 09:05"):
            refused = MeetingForm({**data, "scheduled_for": typed}, user=world.manager)
            assert not refused.is_valid() and "scheduled_for" in refused.errors, (language, typed)


@pytest.mark.parametrize("language", ["en", "de", "ru"])
def test_pages_minutes_and_pdf_show_the_language_shape_and_csv_stays_iso(
    client, login, world, meeting, monkeypatch, language
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
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
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
    csv_files = {"decision csv": b"".join(response.streaming_content).decode()}
    client.force_login(world.oversight)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for name in ("event_list", "anomaly_list", "integrity"):
        texts[name] = client.get(reverse(f"audit:{name}")).content.decode()
    response = client.get(reverse("audit:event_export"))
    csv_files["audit csv"] = b"".join(response.streaming_content).decode()
    own = OWN[SEPARATOR[language]][0]
    for name, text in texts.items():
        assert not _other_shapes(text, language=language), (
            name,
            _other_shapes(text, language=language)[:5],
        )
    for name in ("meeting page", "minutes html", "minutes pdf", "anomaly_list"):
        assert own.search(_shown(texts[name])), (language, name)
    for name, text in csv_files.items():
        assert not _other_shapes(text, language=None), (
            name,
            _other_shapes(text, language=None)[:5],
        )
        assert ISO_DATE.search(text), name
