"""The bad-input corpus: hostile or broken values get a clear refusal and leave nothing behind.

Every write endpoint of the intelligence API receives a valid baseline payload with one field
spoiled at a time (oversize, NUL, invalid grading codes, malformed dates and coordinates): the
answer is a 400 naming that field, and no row is stored, audit ``create`` events included.
Browser forms answer the same way with the error beside the field. Script and HTML in every
text field are stored as text and come back escaped in pages and in the HTML that PDFs are
rendered from; every CSV export neutralises cells that a spreadsheet would run as a formula.
Broken uploads to ``imports/`` are refused the same way.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import NoReverseMatch, reverse
from rest_framework import serializers

from audit.models import AuditEvent
from intelligence.api import serializers as s
from intelligence.models import Entity, Incident, Link, Report, Source
from tests.security import matrix
from tests.security.access import body_of, page_client
from tests.security.routes import discover
from tests.utils.access import api_client

SCRIPT = '<script>alert("xss")</script><b onmouseover="x()">bold</b>'
FORMULA = '=HYPERLINK("http://evil.example/","click")'
HOSTILE = f"{FORMULA} {SCRIPT}"
NUL = "before\x00after"
WRITE_ACTIONS = ("create", "update", "link", "merge", "disclose")
FIGURES = {"api values": 0, "form values": 0, "uploads": 0}


def _entities(world):
    from tests.intelligence.helpers import make_entity

    return make_entity(world, name="Bad Input One"), make_entity(world, name="Bad Input Two")


def baselines(world) -> dict:
    """Valid payloads per create endpoint: (route name, model, write serializer, payload)."""
    one, two = _entities(world)
    return {
        "report-list": (
            Report,
            s.ReportWriteSerializer,
            {
                "compartment": "general",
                "grading_scheme": "3x5x2",
                "source_evaluation": "2",
                "intelligence_assessment": "B",
                "handling_code": "P",
                "handling_conditions": "None.",
                "text": "Alan Smith deals at the Red Lion.",
                "occurred_at": "2025-03-01T21:00:00Z",
                "latitude": 51.45,
                "longitude": -2.59,
                "place_name": "Easton",
            },
        ),
        "entity-list": (
            Entity,
            s.EntityWriteSerializer,
            {
                "compartment": "general",
                "kind": "person",
                "name": "Bob Baseline",
                "date_of_birth": "1980-01-31",
                "description": "Seen near the docks.",
                "allow_duplicate": True,
            },
        ),
        "source-list": (
            Source,
            s.SourceWriteSerializer,
            {
                "reference": "SRC-BASE-1",
                "source_type": "chis",
                "compartment": "general",
                "handler": "handler",
                "identity_name": "Jo Informant",
                "identity_details": "Somewhere",
                "notes": "Reliable so far.",
            },
        ),
        "incident-list": (
            Incident,
            s.IncidentSerializer,
            {
                "reference": "INC-BASE-1",
                "crime_type": "burglary",
                "occurred_from": "2025-03-01T21:00:00Z",
                "latitude": 51.45,
                "longitude": -2.59,
                "address": "1 High Street",
                "compartment": "general",
            },
        ),
        "link-list": (
            Link,
            s.LinkWriteSerializer,
            {
                "from_entity": one.pk,
                "to_entity": two.pk,
                "kind": "associate",
                "strength": "confirmed",
                "note": "Seen together.",
                "compartment": "general",
            },
        ),
    }


# Values that must be refused, beyond the generic oversize and NUL cases of every text field.
SPECIFIC = {
    "report-list": [
        ("source_evaluation", "9"),
        ("source_evaluation", "Z"),
        ("intelligence_assessment", "Q"),
        ("handling_code", "X9"),
        ("grading_scheme", "6x6"),
        ("occurred_at", "2025-13-45T25:61:00"),
        ("occurred_at", "yesterday"),
        ("latitude", 91),
        ("latitude", "north"),
        ("latitude", "NaN"),
        ("longitude", -180.5),
        ("longitude", "Infinity"),
        ("compartment", "no-such-compartment"),
        ("compartment", "restricted-not-mine"),
    ],
    "entity-list": [
        ("kind", "dragon"),
        ("date_of_birth", "1980-02-30"),
        ("date_of_birth", "31/01/1980"),
    ],
    "source-list": [("source_type", "psychic"), ("handler", "nobody-at-all")],
    "incident-list": [
        ("occurred_from", "not a date"),
        ("latitude", 90.0001),
        ("longitude", 200),
        ("latitude", "NaN"),
        ("crime_type", "no-such-crime"),
    ],
    "link-list": [("kind", "enemy"), ("strength", "certain"), ("to_entity", 2**62)],
}


def _text_fields(serializer_class, payload):
    fields = serializer_class().fields
    for name, value in payload.items():
        field = fields.get(name)
        if (
            isinstance(field, serializers.CharField)
            and not isinstance(field, serializers.ChoiceField)
            and isinstance(value, str)
        ):
            yield name, field


def _cases(serializer_class, route_name, payload):
    for name, field in _text_fields(serializer_class, payload):
        yield name, NUL, "NUL character"
        limit = getattr(field, "max_length", None)
        if limit:
            yield name, "x" * (limit + 1), f"longer than {limit}"
    for name, value in SPECIFIC.get(route_name, []):
        yield name, value, repr(value)


def _stored_counts(model):
    return (
        model.objects.count(),
        AuditEvent.objects.filter(action__in=WRITE_ACTIONS).count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route_name", ["report-list", "entity-list", "source-list", "incident-list", "link-list"]
)
def test_each_spoiled_field_is_a_400_naming_the_field_and_nothing_is_stored(world, route_name):
    model, serializer_class, payload = baselines(world)[route_name]
    client = api_client(world.analyst)
    url = reverse(route_name)
    problems = []
    tried = 0
    for field, value, why in _cases(serializer_class, route_name, payload):
        if value == "restricted-not-mine":
            client_used, value = api_client(world.analyst2), "restricted"
        else:
            client_used = client
        before = _stored_counts(model)
        response = client_used.post(url, {**payload, field: value}, format="json")
        tried += 1
        FIGURES["api values"] += 1
        if response.status_code != 400:
            problems.append(f"{field}={why}: {response.status_code} {response.content[:200]!r}")
        elif field not in response.json():
            problems.append(f"{field}={why}: 400 does not name the field: {response.json()}")
        if _stored_counts(model) != before:
            problems.append(f"{field}={why}: something was stored")
    # The baseline itself is accepted, so each refusal above is the spoiled field's doing.
    response = client.post(url, payload, format="json")
    assert response.status_code == 201, response.content
    assert tried >= 3
    assert not problems, "\n".join(problems)


def form_cases(world) -> dict:
    """Valid browser form data per create page, and the spoiled values each must refuse."""
    general = str(world.general.pk)
    return {
        "intelligence:report_create": (
            Report,
            {
                "compartment": general,
                "grading_scheme": "3x5x2",
                "source_evaluation": "3x5x2:2",
                "intelligence_assessment": "3x5x2:B",
                "handling_code": "3x5x2:P",
                "text": "Alan Smith deals at the Red Lion.",
                "latitude": "51.45",
                "longitude": "-2.59",
            },
            [
                ("text", NUL),
                ("source_evaluation", "3x5x2:9"),
                ("intelligence_assessment", "3x5x2:Q"),
                ("handling_code", "X9"),
                ("occurred_at", "2025-13-45 25:61"),
                ("latitude", "91"),
                ("longitude", "east"),
                ("place_name", "x" * 201),
                ("compartment", str(world.restricted.pk)),
            ],
        ),
        "intelligence:entity_create": (
            Entity,
            {"compartment": general, "kind": "person", "name": "Form Person"},
            [
                ("name", NUL),
                ("name", "x" * 201),
                ("kind", "dragon"),
                ("date_of_birth", "1980-02-30"),
            ],
        ),
        "intelligence:source_create": (
            Source,
            {"reference": "SRC-FORM-1", "source_type": "chis", "compartment": general},
            [("reference", NUL), ("reference", "x" * 31), ("source_type", "psychic")],
        ),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route_name",
    ["intelligence:report_create", "intelligence:entity_create", "intelligence:source_create"],
)
def test_each_spoiled_form_field_shows_its_error_beside_the_field_and_nothing_is_stored(
    world, route_name
):
    model, data, spoiled = form_cases(world)[route_name]
    # analyst2 holds 'general' only, so choosing 'restricted' is a bad value too.
    client = page_client(world.analyst2)
    url = reverse(route_name)
    problems = []
    for field, value in spoiled:
        before = _stored_counts(model)
        response = client.post(url, {**data, field: value})
        FIGURES["form values"] += 1
        if response.status_code != 200:
            problems.append(f"{field}={value!r}: {response.status_code}")
            continue
        form = response.context["form"]
        if set(form.errors) != {field}:
            problems.append(f"{field}={value!r}: errors on {dict(form.errors)}")
        if _stored_counts(model) != before:
            problems.append(f"{field}={value!r}: something was stored")
    # The unspoiled form is accepted, so each refusal above is the spoiled field's doing.
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    assert not problems, "\n".join(problems)


# --- Script, HTML and formulas: stored as text, shown escaped, exported neutralised ----------


FREE_TEXT = {
    "report-list": ("text", "handling_conditions", "place_name"),
    "entity-list": ("name", "description"),
    "source-list": ("identity_name", "identity_details", "notes"),
    "incident-list": ("address",),
    "link-list": ("note",),
}


def _hostile_records(world):
    """Records whose every free-text field carries a formula, a script and HTML."""
    client = api_client(world.analyst)
    made = {}
    for route_name, (model, _serializer_class, payload) in baselines(world).items():
        hostile = dict(payload)
        for name in FREE_TEXT[route_name]:
            hostile[name] = HOSTILE
        response = client.post(reverse(route_name), hostile, format="json")
        assert response.status_code == 201, (route_name, response.content)
        made[model] = model.objects.get(pk=response.json()["id"])
    return made


def _check_html(where, body, problems):
    if "<script>alert(" in body or 'onmouseover="x()"' in body:
        problems.append(f"{where}: script or markup from a record reached the page unescaped")


def _check_csv(where, body, problems):
    for row in csv.reader(io.StringIO(body)):
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@"):
                try:
                    float(cell)
                except ValueError:
                    problems.append(f"{where}: cell {cell[:40]!r} would run as a formula")


def _url_for(route, records_by_kind):
    if not route.kwargs:
        return reverse(route.name)
    entry = matrix.REGISTRY.get(route.name)
    record = records_by_kind.get(entry.record) if entry and entry.record else None
    if record is None:
        return None
    try:
        return reverse(route.name, kwargs={route.kwargs[0]: getattr(record, entry.lookup)})
    except NoReverseMatch:
        return None


@pytest.mark.django_db
def test_script_and_html_in_every_text_field_come_back_escaped_and_csv_cells_neutralised(
    world, monkeypatch
):
    from ilp_platform.web import pdf

    made = _hostile_records(world)
    records = {
        "report": made[Report],
        "entity": made[Entity],
        "source": made[Source],
        "incident": made[Incident],
        "link": made[Link],
    }
    rendered_for_pdf: list[str] = []
    original = pdf.render_to_string

    def spy(*args, **kwargs):
        html = original(*args, **kwargs)
        rendered_for_pdf.append(html)
        return html

    monkeypatch.setattr(pdf, "render_to_string", spy)
    problems: list[str] = []
    seen = {"html": 0, "csv": 0, "pdf": 0}
    hostile_shown = 0
    for route in discover():
        entry = matrix.REGISTRY.get(route.name)
        if entry is None or "GET" not in route.methods or route.name in matrix.EXEMPT:
            continue
        url = _url_for(route, records)
        if url is None:
            continue
        for role in ("analyst", "oversight"):
            if not matrix.permitted(entry, "GET", role):
                continue
            client = (
                api_client(world.user(role))
                if route.kind == "api"
                else page_client(world.user(role))
            )
            response = client.get(url, entry.query)
            if response.status_code != 200:
                continue
            kind = response.get("Content-Type", "")
            body = body_of(response) if "pdf" not in kind else ""
            where = f"GET {route.name} as {role}"
            if "text/csv" in kind:
                seen["csv"] += 1
                _check_csv(where, body, problems)
            elif "text/html" in kind:
                seen["html"] += 1
                _check_html(where, body, problems)
                hostile_shown += "&lt;script&gt;alert(" in body
            elif "pdf" in kind:
                seen["pdf"] += 1
    for html in rendered_for_pdf:
        _check_html("HTML rendered into a PDF", html, problems)
    assert seen["html"] > 5 and hostile_shown > 0, seen
    assert seen["csv"] >= 1, "the audit log export at least must have been checked"
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_audit_log_export_neutralises_formulas_from_what_people_typed(world):
    from tests.intelligence.helpers import make_entity

    for prefix in ("=", "+", "-", "@"):
        # An entity's name no longer enters the log (a neutral label and a digest do); a
        # justification typed with a consultation does, as typed.
        make_entity(world, name=f"{prefix}SUM(B1:B9) {SCRIPT}")
        typed = f"{prefix}SUM(A1:A9) {SCRIPT}"
        listed = api_client(world.analyst, justification=typed).get(reverse("entity-list"))
        assert listed.status_code == 200
    response = page_client(world.oversight).get(reverse("audit:event_export"))
    assert response.status_code == 200
    body = body_of(response)
    problems: list[str] = []
    _check_csv("audit export", body, problems)
    assert not problems, "\n".join(problems)
    assert "'=SUM(A1:A9)" in body and "'@SUM(A1:A9)" in body
    assert "SUM(B1:B9)" not in body


# --- Broken uploads -------------------------------------------------------------------------

BROKEN_UPLOADS = [
    ("empty.csv", b""),
    ("program.csv", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
    ("random.xlsx", bytes(range(256)) * 8),
    ("truncated.xlsx", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 20),
    ("binary.csv", b"\x00\x01\x02\x03" * 100),
    ("image.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name,content", BROKEN_UPLOADS, ids=[n for n, _ in BROKEN_UPLOADS])
def test_a_broken_upload_is_refused_naming_the_file_and_nothing_is_kept(world, name, content):
    try:
        url = reverse("importjob-list")
    except NoReverseMatch:
        pytest.skip("the imports endpoint is not there yet")
    from django.core.files.uploadedfile import SimpleUploadedFile

    from intelligence.models import ImportJob

    before = (ImportJob.objects.count(), Incident.objects.count(), _stored_counts(Incident)[1])
    response = api_client(world.analyst).post(
        url,
        {"file": SimpleUploadedFile(name, content), "compartment": "general"},
        format="multipart",
    )
    FIGURES["uploads"] += 1
    assert response.status_code == 400, response.content
    assert "file" in response.json(), response.json()
    after = (ImportJob.objects.count(), Incident.objects.count(), _stored_counts(Incident)[1])
    assert after == before


@pytest.mark.django_db
def test_control_characters_in_query_strings_never_cause_a_server_error(world):
    """A NUL in a filter or its name reaches the consultation event: it must be stored, not
    turn the request into a 503 (PostgreSQL refuses NUL in text)."""
    clients = {"api": api_client(world.analyst), "page": page_client(world.analyst)}
    checked = 0
    for route in discover():
        entry = matrix.REGISTRY.get(route.name)
        if route.kwargs or entry is None or "GET" not in route.methods:
            continue
        if not matrix.permitted(entry, "GET", "analyst"):
            continue
        response = clients[route.kind].get(reverse(route.name), {"q": NUL, f"x{NUL}": "1\x07\x1b"})
        checked += 1
        assert response.status_code < 500, (route.name, response.status_code)
    assert checked >= 5


@pytest.mark.django_db
def test_a_nul_in_a_lookup_value_is_a_400_naming_the_field_not_a_server_error(world):
    """Slug and relation lookups reach the database; PostgreSQL refuses NUL in text."""
    client = api_client(world.analyst)
    for route_name, body in (
        ("report-list", {"compartment": "gen\x00eral", "text": "x"}),
        ("entity-list", {"compartment": "general", "kind": "person", "name": "A", "x\x00": 1}),
    ):
        response = client.post(reverse(route_name), body, format="json")
        assert response.status_code == 400, response.content
        assert any("\\x00" in k or k == "compartment" for k in response.json())


def test_zz_bad_input_figures(capsys):
    with capsys.disabled():
        print("\nbad input: " + ", ".join(f"{v} {k}" for k, v in FIGURES.items()))
