"""A partner's package is untrusted input even when its signature is good. For every field of
every item kind of the format (docs/exchange.md, docs/exchange-package.schema.json), a package
with that field given a value of the wrong type, an over-long text, a text holding NUL (or an
unpaired surrogate), an unknown choice, or with a required field left out is refused as
``malformed`` with a message naming the item and the field; nothing is stored and the refusal
is audited (on SQLite, and on PostgreSQL, which refuses NUL in text outright). Through the push
endpoint such a package answers 400 with the message, and the import command exits 1 with it.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from audit.choices import Outcome
from audit.models import AuditEvent
from exchange import crypto, services
from exchange import package as pkg
from exchange.models import ReceivedPackage
from intelligence.models import Entity, Identifier, Link, Provenance, Report, ReportEntity
from tests.exchange.helpers import make_partner, own_keys, sample_document, sealed_from
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db
INBOX = "/api/v1/exchange/inbox/"


def _good() -> dict:
    """Two reports, three entities and two links: the second of each (and the first mention
    and identifier within it) carries every field of its kind, so each can be spoiled."""
    document = sample_document()
    first = document["reports"][0]
    first["data_quality"].update(nature="Facts", evaluated_at="2026-11-21T10:00:00Z")
    first["grading_chosen_by_sender"] = ["source_evaluation"]
    second = copy.deepcopy(first)
    second["reference"] = "NL-2026-0043"
    second["entities"] = [
        {"entity": "E3", "subject_category": "witness", "is_assessment": True},
        {"entity": "E1", "subject_category": "suspect", "is_assessment": False},
    ]
    document["reports"].append(second)
    document["entities"].insert(
        1,
        {
            "ref": "E3",
            "kind": "person",
            "name": "Piet Bakker",
            "date_of_birth": "1975-06-07",
            "description": "Drives the van.",
            "identifiers": [
                {"kind": "email", "value": "piet@example.nl"},
                {"kind": "phone", "value": "+31 6 0000 0001"},
            ],
        },
    )
    document["links"].append(
        {
            "from": "E1",
            "to": "E3",
            "kind": "associate",
            "strength": "confirmed",
            "reports": ["NL-2026-0042", "NL-2026-0043"],
        }
    )
    return document


# Where each kind of item sits in the package, and how a message names it.
ITEMS = {
    "package": ((), "The package"),
    "report": (("reports", 1), "report 2"),
    "mention": (("reports", 1, "entities", 0), "report 2, mention 1"),
    "entity": (("entities", 1), "entity 2"),
    "identifier": (("entities", 1, "identifiers", 0), "entity 2, identifier 1"),
    "link": (("links", 1), "link 2"),
}


@dataclass(frozen=True)
class Field:
    item: str
    path: tuple[str, ...]  # within the item
    # text, texts (a list of text), choice, choices (a list of choices), number, bool, time,
    # date, list or object
    shape: str
    required: bool = False
    limit: int = 0
    blank: bool = True  # may be empty text

    @property
    def name(self) -> str:
        return ".".join(self.path)

    def __str__(self) -> str:
        return f"{self.item}.{self.name}"


FIELDS = [
    Field("package", ("legal_basis",), "text", required=True),
    # A report.
    Field("report", ("reference",), "text", required=True, limit=100, blank=False),
    Field("report", ("text",), "text", required=True, blank=False),
    Field("report", ("occurred_at",), "time"),
    Field("report", ("occurred_from",), "time"),
    Field("report", ("occurred_to",), "time"),
    Field("report", ("place_name",), "text", limit=200),
    Field("report", ("latitude",), "number"),
    Field("report", ("longitude",), "number"),
    Field("report", ("grading",), "object", required=True),
    Field("report", ("grading", "scheme"), "choice", required=True, limit=10),
    Field("report", ("grading", "source_evaluation"), "choice", required=True, limit=2),
    Field("report", ("grading", "intelligence_assessment"), "choice", required=True, limit=2),
    Field("report", ("grading", "handling_code"), "choice", required=True, limit=2),
    Field("report", ("grading", "handling_conditions"), "text"),
    Field("report", ("grading_as_given",), "object"),
    Field("report", ("grading_as_given", "scheme"), "choice", required=True, limit=10),
    Field("report", ("grading_as_given", "source_evaluation"), "choice", required=True, limit=2),
    Field(
        "report", ("grading_as_given", "intelligence_assessment"), "choice", required=True, limit=2
    ),
    Field("report", ("grading_as_given", "handling_code"), "choice", required=True, limit=2),
    Field("report", ("grading_chosen_by_sender",), "choices"),
    Field("report", ("conditions",), "texts", required=True, limit=100),
    Field("report", ("data_quality",), "object", required=True),
    Field("report", ("data_quality", "reliability"), "text"),
    Field("report", ("data_quality", "accuracy"), "text"),
    Field("report", ("data_quality", "completeness"), "text"),
    Field("report", ("data_quality", "nature"), "text"),
    Field("report", ("data_quality", "evaluated_at"), "time"),
    Field("report", ("entities",), "list", required=True),
    # A report's mention of an entity.
    Field("mention", ("entity",), "choice", required=True),
    Field("mention", ("subject_category",), "choice", limit=12),
    Field("mention", ("is_assessment",), "bool"),
    # An entity.
    Field("entity", ("ref",), "text", required=True, limit=20, blank=False),
    Field("entity", ("kind",), "choice", required=True, limit=20),
    Field("entity", ("name",), "text", required=True, limit=200, blank=False),
    Field("entity", ("date_of_birth",), "date"),
    Field("entity", ("description",), "text"),
    Field("entity", ("identifiers",), "list"),
    # An entity's identifier.
    Field("identifier", ("kind",), "choice", limit=10),
    Field("identifier", ("value",), "text", required=True, limit=200),
    # A link.
    Field("link", ("from",), "choice", required=True),
    Field("link", ("to",), "choice", required=True),
    Field("link", ("kind",), "choice", required=True, limit=12),
    Field("link", ("strength",), "choice", required=True, limit=12),
    Field("link", ("reports",), "texts", limit=100),
]

WRONG_TYPES: dict[str, list[Any]] = {
    "text": [7, 2.5, True, ["x"], {"x": "y"}],
    "choice": [7, True, ["person"], {"x": "y"}],
    "texts": ["originator_consent", {"x": "y"}, 7, [7], [["x"]], [None]],
    "choices": ["source_evaluation", {"x": "y"}, [7], [["x"]]],
    "number": ["51.9", True, [51.9], {"x": 1}],
    "bool": ["false", 1, 0, ["x"]],
    "time": [20261120, "2026-11-20T21:00:00", "yesterday", ["x"], "0001-01-01T00:30:00+01:00"],
    "date": [19800203, "1980-02-30", ["x"]],
    "list": ["E1", {"x": "y"}, 7],
    "object": ["x", [1], 7],
}
AS_TEXT = ("text", "choice", "time", "date")
MISSING = object()  # a spoilt value that leaves the field out


def _spoilt(field: Field) -> list[tuple[str, Any]]:
    """(what, value) for every way of spoiling ``field``; the value ``MISSING`` leaves it
    out."""
    cases: list[tuple[str, Any]] = [("wrong type", value) for value in WRONG_TYPES[field.shape]]
    if field.limit and field.shape in AS_TEXT:
        cases.append(("too long", "x" * (field.limit + 1)))
    if field.limit and field.shape == "texts":
        cases.append(("too long", ["x" * (field.limit + 1)]))
    if field.shape in AS_TEXT:
        cases += [("NUL", "ab\x00c"), ("NUL only", "\x00"), ("unpaired surrogate", "ab\ud800")]
    if field.shape in ("texts", "choices"):
        cases += [("NUL", ["no_judicial_use\x00"]), ("unpaired surrogate", ["\udfff"])]
    if field.shape in ("choice", "choices"):
        unknown = "E99" if field.name in ("entity", "from", "to") else "zz"
        cases.append(("unknown choice", unknown if field.shape == "choice" else [unknown]))
    if field.required:
        cases.append(("missing", MISSING))
    if not field.blank:
        cases.append(("blank", "   "))
    return cases


def _spoil(document: dict, field: Field, value: Any) -> dict:
    document = copy.deepcopy(document)
    place, _label = ITEMS[field.item]
    target: Any = document
    for step in (*place, *field.path[:-1]):
        target = target[step]
    if value is MISSING:
        target.pop(field.path[-1], None)
    else:
        target[field.path[-1]] = value
    return document


def _sealed(side, own_public: crypto.PublicIdentity, document: dict) -> bytes:
    """As ``sealed_from``, with the JSON written in ASCII (``\\u0000``, ``\\ud800``), as any
    JSON encoder may write it: a NUL or an unpaired surrogate travels that way."""
    now = timezone.now()
    head = pkg.header(
        package_id=uuid.uuid4(),
        sender=side.identity.public.fingerprint,
        recipient=own_public.fingerprint,
        created_at=now - dt.timedelta(minutes=1),
        expires_at=now + dt.timedelta(days=3),
    )
    signed_doc = {**head, **{k: v for k, v in document.items() if k not in pkg.HEADER_FIELDS}}
    text = json.dumps(signed_doc, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    signed = side.identity.sign(text.encode("ascii"))
    envelope = {key: signed_doc[key] for key in pkg.HEADER_FIELDS}
    envelope["sealed"] = base64.b64encode(crypto.seal(own_public, signed)).decode()
    return json.dumps(envelope).encode()


STORED = (Report, Entity, Identifier, ReportEntity, Link, Link.reports.through, Provenance)


def _counts() -> list[int]:
    return [model.objects.count() for model in STORED] + [ReceivedPackage.objects.count()]


def _denied() -> AuditEvent | None:
    return (
        AuditEvent.objects.filter(object_type="exchange.receivedpackage", outcome=Outcome.DENIED)
        .order_by("-id")
        .first()
    )


@pytest.fixture
def sender(world):
    key = own_keys()
    return make_partner(world), crypto.parse_public_key(key.public_key)


def test_the_unspoilt_package_is_taken_in(world, sender):
    """The package every other test spoils one field of is itself accepted whole."""
    side, own_public = sender
    received = services.receive(_sealed(side, own_public, _good()), channel="push", actor=None)
    assert (received.report_count, received.entity_count, received.link_count) == (2, 3, 2)
    assert Identifier.objects.filter(entity__compartment=world.general).count() >= 3


@pytest.mark.parametrize("field", FIELDS, ids=str)
def test_every_spoilt_field_is_refused_naming_it_and_nothing_is_stored(world, sender, field):
    side, own_public = sender
    _place, label = ITEMS[field.item]
    before = _counts()
    failures = []
    for what, value in _spoilt(field):
        raw = _sealed(side, own_public, _spoil(_good(), field, value))
        try:
            services.receive(raw, channel="push", actor=None)
        except pkg.Refused as exc:
            refused = exc
        else:
            failures.append(f"{what} {value!r}: taken in")
            continue
        message = refused.message
        if refused.code != "malformed" or not refused.signed:
            failures.append(f"{what} {value!r}: {refused.code} ({message})")
        elif f"{label}:" not in message and f"{label} (" not in message:
            failures.append(f"{what} {value!r}: the item is not named: {message}")
        elif f"“{field.name}”" not in message and f"“{field.path[-1]}”" not in message:
            failures.append(f"{what} {value!r}: the field is not named: {message}")
        event = _denied()
        if event is None or event.details["reason"] != pkg.storable_text(message[:500]):
            failures.append(f"{what} {value!r}: the refusal is not audited")
        elif event.details["refused"] != "malformed":
            failures.append(f"{what} {value!r}: audited as {event.details['refused']}")
    assert not failures, "\n".join(failures)
    assert _counts() == before


def test_a_nested_field_is_named_with_its_parent(world, sender):
    side, own_public = sender
    document = _spoil(_good(), Field("report", ("grading_as_given", "scheme"), "choice"), "9x9")
    with pytest.raises(pkg.Refused) as refused:
        services.receive(_sealed(side, own_public, document), channel="push", actor=None)
    assert refused.value.message.startswith("report 2: unknown grading scheme.")
    assert "“grading_as_given.scheme” must be one of 3x5x2, 4x4, 5x5x5, admiralty" in (
        refused.value.message
    )


def test_a_reference_or_ref_used_twice_is_refused(world, sender):
    side, own_public = sender
    twice = _good()
    twice["reports"][1]["reference"] = twice["reports"][0]["reference"]
    with pytest.raises(pkg.Refused) as refused:
        services.receive(_sealed(side, own_public, twice), channel="push", actor=None)
    assert "report 2: reference “NL-2026-0042” is used twice." in refused.value.message
    twice = _good()
    twice["entities"][1]["ref"] = "E1"
    with pytest.raises(pkg.Refused) as refused:
        services.receive(_sealed(side, own_public, twice), channel="push", actor=None)
    assert "entity 2: ref “E1” is used twice." in refused.value.message
    assert Report.objects.count() == 0


def test_statements_the_format_does_not_know_are_ignored_not_stored(world, sender):
    side, own_public = sender
    document = _good()
    document["reports"][0]["data_quality"]["extra"] = {"deep": ["anything", "\x00"]}
    document["reports"][0]["unknown_field"] = ["ignored", "\x00"]
    received = services.receive(_sealed(side, own_public, document), channel="push", actor=None)
    quality = Provenance.objects.get(report_id=received.report_ids[0]).data_quality
    assert sorted(quality) == ["accuracy", "completeness", "evaluated_at", "nature", "reliability"]


def test_a_signed_push_with_a_bad_item_answers_400_with_the_message(world, sender):
    side, own_public = sender
    document = _good()
    document["reports"][1]["text"] = "Cash at the harbour\x00"
    with override_settings(EXCHANGE_PUSH_RATE="1000/hour"):
        response = APIClient().post(
            INBOX, _sealed(side, own_public, document), content_type="application/json"
        )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["refused"] == "malformed"
    assert body["package"] == [
        "report 2: “text” holds a character that cannot be stored (NUL or an unpaired surrogate)."
    ]
    assert Report.objects.count() == 0

    document["reports"][1]["text"] = "Cash"
    document["links"][1]["reports"] = [{"urn": "NL-2026-0042"}]
    upload = api_client(world.analyst).post(
        INBOX, {"file": _upload(_sealed(side, own_public, document))}, format="multipart"
    )
    assert upload.status_code == 400, upload.content
    assert upload.json()["package"] == ["link 2: “reports” must be a list of text."]
    assert Report.objects.count() == 0


def test_an_unsigned_body_still_answers_401_even_with_nul_in_its_header(world, sender):
    """A header holding NUL is refused before it is stored anywhere (PostgreSQL would refuse
    the refusal's own audit event)."""
    raw = json.dumps(
        {
            "format": pkg.FORMAT,
            "version": 1,
            "package_id": "0b4f2c9e\x00",
            "sender": "ab12 " * 16,
            "recipient": "cd34 " * 16,
            "created_at": "2026-12-01T10:00:00Z",
            "expires_at": "2099-12-01T10:00:00Z",
            "sealed": "AAAA",
        }
    ).encode()
    with override_settings(EXCHANGE_PUSH_RATE="1000/hour"):
        response = APIClient().post(INBOX, raw, content_type="application/json")
    assert response.status_code == 401
    event = _denied()
    assert event is not None and "package_id" in event.details["reason"]
    assert "\x00" not in event.object_repr


def test_the_import_command_exits_1_with_the_message(world, sender, tmp_path):
    side, own_public = sender
    document = _good()
    document["entities"][1]["identifiers"][0]["kind"] = "pager"
    path = tmp_path / "package.json"
    path.write_bytes(_sealed(side, own_public, document))
    with pytest.raises(CommandError) as caught:
        call_command("exchange_import", str(path))
    assert caught.value.returncode == 1
    assert str(caught.value).startswith(
        "Refused (malformed): entity 2, identifier 1: unknown identifier kind. “kind” must be "
        "one of"
    )
    assert Entity.objects.count() == 0


def test_the_helpers_package_is_read_alike(world, sender):
    """The tests' own sealing (ASCII JSON) and the helpers' (UTF-8) give the same package."""
    side, own_public = sender
    document = _good()
    document["reports"][0]["text"] = "Łódź, “quoted”"
    one = services.receive(sealed_from(side, own_public, document), channel="push", actor=None)
    two = services.receive(_sealed(side, own_public, document), channel="push", actor=None)
    texts = [
        Report.objects.get(pk=received.report_ids[0]).sanitised_text for received in (one, two)
    ]
    assert texts == ["Łódź, “quoted”", "Łódź, “quoted”"]


def _upload(raw: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("package.json", raw, content_type="application/json")
