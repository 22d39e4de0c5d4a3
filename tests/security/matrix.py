"""The access matrix's declarative table: for every named route, who may do what.

``tests/security/test_access_matrix.py`` walks every route of the URL configuration
(``tests/security/routes.py``) and looks its name up in :data:`REGISTRY`. A route with no entry
fails the test: whoever adds an endpoint adds a line here saying which record it serves, which
roles may read and write it, and whether consulting it needs a justification.

The expected status of a request follows from the entry:

- anonymous: 401 on the API, a redirect to the login page in the browser;
- a role outside ``roles[method]``: 403 (the refusal is an audited ``denied`` event);
- a role allowed, but the record is outside what it may see (another compartment, another
  person's draft...): 404, never 403, and a ``denied`` event naming the record;
- otherwise ``ok[method]`` (defaults: 200 for GET; for writes with an empty body 400 on the API
  and 200, the form shown again with its errors, in the browser).

Records come from :data:`FACTORIES`, one in compartment ``general`` and one in ``restricted``.
Their text carries a marker: ``ZZHIDDEN`` in ``restricted``, ``ZZSHOWN`` in ``general``, and
the common word ``quokka`` that searches look for. A response to a person without the
``restricted`` grant must never contain ``ZZHIDDEN``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ("officer", "analyst", "analyst2", "manager", "handler", "oversight", "admin")
ANONYMOUS = "anonymous"
ALL_ROLES = (*ROLES, ANONYMOUS)

# Who holds which compartment (tests/utils/world.py, as the demo seed builds them).
GRANTS = {
    "general": {"officer", "analyst", "analyst2", "manager", "handler", "admin"},
    "restricted": {"analyst", "manager", "handler"},
}
HIDDEN_MARKER = "ZZHIDDEN"
SHOWN_MARKER = "ZZSHOWN"
SEARCH_WORD = "quokka"
MARKERS = {"general": SHOWN_MARKER, "restricted": HIDDEN_MARKER}

# The demo administrator is a Django superuser: every role check lets it through, and only the
# compartment grants (it holds ``general``, not ``restricted``) narrow what it sees.
SUPERUSER = "admin"

SIGNED_IN = frozenset(ROLES)
INTEL_READERS = frozenset({"analyst", "analyst2", "manager"})
REPORT_READERS = frozenset({"officer", "analyst", "analyst2", "manager", "handler"})
REPORT_AUTHORS = frozenset({"officer", "analyst", "analyst2", "handler"})
ANALYSTS = frozenset({"analyst", "analyst2"})
EVALUATORS = ANALYSTS
REVIEWERS = frozenset({"analyst", "analyst2", "manager"})
SOURCE_READERS = frozenset({"analyst", "analyst2", "manager", "handler"})
AUDIT_READERS = frozenset({"oversight", "admin"})
ADMINS = frozenset({"admin"})
IMPORTERS = ANALYSTS
PRODUCT_READERS = INTEL_READERS
PRODUCT_AUTHORS = ANALYSTS
MANAGERS = frozenset({"manager"})
# Meetings, priorities, requirements and the decision log: analysts and managers read them.
TASKING_READERS = frozenset({"analyst", "analyst2", "manager"})
PRIORITY_EDITORS = TASKING_READERS
ANSWERERS = TASKING_READERS
# Officers also reach taskings, but only those they (or their unit) own.
TASKING_VIEWERS = frozenset({"officer", "analyst", "analyst2", "manager"})
NOBODY: frozenset[str] = frozenset()
# Operations: analysts and managers open, read and change them.
OPERATION_READERS = frozenset({"analyst", "analyst2", "manager"})


# --- Record factories -------------------------------------------------------------------------


def _report(world, compartment):
    from tests.intelligence.helpers import make_report

    marker = MARKERS[compartment.slug]
    return make_report(
        world,
        compartment,
        text=f"Original {marker} {SEARCH_WORD}: Alan Smith deals at the Red Lion.",
        sanitised=f"Sanitised {marker} {SEARCH_WORD}: Alan Smith is dealing in Easton.",
    )


def _draft(world, compartment):
    from intelligence.services.reports import create_report
    from tests.intelligence.helpers import GRADING_3X5X2, as_user

    author = world.officer if compartment == world.general else world.handler
    data = {
        **GRADING_3X5X2,
        "compartment": compartment,
        "text": f"Draft {MARKERS[compartment.slug]} {SEARCH_WORD}",
        "has_special_category": False,
        "source": None,
    }
    with as_user(author):
        return create_report(actor=author, data=data, submit=False)


def _entity(world, compartment):
    from tests.intelligence.helpers import make_entity

    marker = MARKERS[compartment.slug]
    return make_entity(
        world,
        compartment,
        name=f"{SEARCH_WORD.title()} {marker} Person",
        description=f"Seen with {marker}.",
    )


def _link(world, compartment):
    from intelligence.services.entities import create_link
    from tests.intelligence.helpers import as_user, make_entity

    marker = MARKERS[compartment.slug]
    one = make_entity(world, compartment, name=f"{marker} One")
    two = make_entity(world, compartment, name=f"{marker} Two")
    with as_user(world.analyst):
        return create_link(
            actor=world.analyst,
            from_entity=one,
            to_entity=two,
            kind="associate",
            strength="confirmed",
            note=f"Seen together {marker}",
        )


def _source(world, compartment):
    from tests.intelligence.helpers import make_source

    marker = MARKERS[compartment.slug]
    return make_source(
        world,
        compartment,
        reference=f"SRC-{marker}",
        identity_name=f"Jane {marker}",
        identity_details=f"Lives at 1 {marker} Street",
    )


def _incident(world, compartment):
    from tests.intelligence.helpers import make_incident

    marker = MARKERS[compartment.slug]
    return make_incident(
        world, compartment, reference=f"INC-{marker}", address=f"1 {marker} Street"
    )


def _analysis_job(world, compartment):
    """A temporal job over one compartment's incidents, run at once (the suite is eager)."""
    from analysis.services.jobs import request_job
    from tests.intelligence.helpers import as_user

    _incident(world, compartment)
    with as_user(world.analyst):
        job = request_job(
            actor=world.analyst,
            kind="temporal",
            params={"compartments": [compartment.slug]},
            title=f"Job {MARKERS[compartment.slug]}",
        )
    job.refresh_from_db()
    return job


def _spatial_job(world, compartment):
    """A hotspot job over three incidents of one compartment, run to the end in this process:
    its result has a table, map features and a chart, so the CSV and GeoJSON downloads serve."""
    from analysis.services.jobs import request_job, run_job_now
    from tests.intelligence.helpers import as_user, make_incident

    marker = MARKERS[compartment.slug]
    for n, (lat, lon) in enumerate(((51.450, -2.590), (51.451, -2.591), (51.458, -2.582))):
        make_incident(
            world,
            compartment,
            reference=f"INC-{marker}-{n}",
            latitude=lat,
            longitude=lon,
            address=f"{n} {marker} Street",
        )
    with as_user(world.analyst):
        job = request_job(
            actor=world.analyst,
            kind="hotspot",
            params={"compartments": [compartment.slug], "cell_size_m": 250, "bandwidth_m": 500},
            title=f"Hotspots {marker} {SEARCH_WORD}",
        )
    job = run_job_now(job)
    assert job.status == "succeeded", job.message
    return job


def _import_job(world, compartment):
    """An incident file imported into one compartment by the analyst, loaded in this process.

    The upload is stored under a throw-away data directory and deleted once loaded."""
    import io
    import tempfile
    from pathlib import Path

    from django.test import override_settings

    from intelligence.imports import services
    from tests.intelligence.helpers import as_user

    marker = MARKERS[compartment.slug]
    data = (
        "reference,crime_type,occurred_from,occurred_to,latitude,longitude,address\n"
        f"IMP-{marker}-1,burglary,2026-01-05 10:00,,51.45,-2.59,1 {marker} {SEARCH_WORD} Street\n"
    ).encode()
    with (
        tempfile.TemporaryDirectory() as folder,
        override_settings(DATA_DIR=Path(folder)),
        as_user(world.analyst),
    ):
        job = services.import_file(
            actor=world.analyst,
            upload=io.BytesIO(data),
            file_name=f"incidents-{marker}-{SEARCH_WORD}.csv",
            size=len(data),
            compartment=compartment,
            enqueue=False,
        )
        services.run_import(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    return job


def _product(world, compartment):
    """A product taken once through the whole workflow and now being revised: version 1
    approved and disseminated, the working copy (version 2) a draft citing a report.

    ``matrix_citation`` is the citation's id, for the route that removes it."""
    from analysis.services.products.citations import cite
    from analysis.services.products.dissemination import disseminate_product
    from analysis.services.products.workflow import (
        approve_product,
        create_product,
        revise_product,
        submit_product,
    )
    from tests.intelligence.helpers import as_user

    marker = MARKERS[compartment.slug]
    report = _report(world, compartment)
    author, manager = world.analyst, world.manager
    with as_user(author):
        product = create_product(
            actor=author,
            data={
                "kind": "problem_profile",
                "title": f"Profile {marker} {SEARCH_WORD}",
                "terms_of_reference": f"Terms {marker}",
                "compartment": compartment,
            },
        )
        citation = cite(
            product, actor=author, kind="report", target_id=report.pk, note=f"Cited {marker}"
        )
        submit_product(product, actor=author)
    with as_user(manager):
        approve_product(product, actor=manager)
        disseminate_product(
            product, actor=manager, recipient=f"Partner {marker}", legal_basis="DPA 2018 s.35"
        )
    with as_user(author):
        revise_product(product, actor=author)
    product.matrix_citation = citation.pk
    return product


def _candidate(world, compartment, title):
    """A scored candidate priority proposed by the analyst, about a group: an entity of
    ``restricted`` (from ``general``, one its readers may not see)."""
    from tasking import services
    from tests.intelligence.helpers import make_entity
    from tests.tasking.helpers import MORILE_INPUTS, as_user

    group = make_entity(world, world.restricted, name=f"Group {HIDDEN_MARKER}", kind="organisation")
    with as_user(world.analyst):
        return services.propose_priority(
            actor=world.analyst,
            data={
                "title": title,
                "description": f"{title} described",
                "subject_kind": "group",
                "subject_entity": group,
                "compartment": compartment,
                "enforcement_plan": f"Plan {MARKERS[compartment.slug]}",
            },
            matrix="morile",
            inputs=dict(MORILE_INPUTS),
        )


def _meeting(world, compartment):
    """A planned meeting (its agenda is built afresh for each viewer) and a scored candidate
    priority of the same compartment (``candidate``) that the meeting can decide on. An open
    requirement and an open tasking of the compartment put rows on the agenda."""
    from tests.tasking.helpers import make_meeting

    marker = MARKERS[compartment.slug]
    meeting = make_meeting(world, compartment, title=f"Meeting {marker} {SEARCH_WORD}")
    meeting.candidate = _candidate(world, compartment, f"Candidate {marker} {SEARCH_WORD}")
    _requirement(world, compartment)
    _tasking(world, compartment)
    return meeting


def _hidden_priority(world):
    """A priority of ``restricted``, which records of either compartment may serve."""
    from tests.tasking.helpers import make_priority

    return make_priority(world, world.restricted, scored=False, title=f"Priority {HIDDEN_MARKER}")


def _decision(world, compartment):
    """A priority approved at an open meeting: the decision in the log (proposed by the
    analyst, approved by the manager). The meeting is one of ``restricted``: a decision is
    kept in its subject's compartment, so in ``general`` it names a meeting some of its
    readers may not see."""
    from tasking import services
    from tests.tasking.helpers import as_user, make_meeting

    marker = MARKERS[compartment.slug]
    meeting = make_meeting(world, world.restricted, title=f"Meeting {HIDDEN_MARKER}", open_=True)
    priority = _candidate(world, compartment, f"Priority {marker} {SEARCH_WORD}")
    with as_user(world.manager):
        return services.decide_priority(
            priority,
            actor=world.manager,
            meeting=meeting,
            approve=True,
            rationale=f"Rationale {marker} {SEARCH_WORD}",
        )


def _priority(world, compartment):
    """An approved priority: it is in the control strategy and the decision log, and names
    the meeting that approved it and the group it is about (both of ``restricted``)."""
    priority = _decision(world, compartment).priority
    priority.refresh_from_db()
    return priority


def _requirement(world, compartment):
    """An open requirement raised at a meeting of ``restricted`` for a priority of
    ``restricted`` (from ``general``, a meeting and a priority its readers may not see)."""
    from django.utils import timezone

    from tasking import services
    from tests.tasking.helpers import as_user, make_meeting

    marker = MARKERS[compartment.slug]
    priority = _hidden_priority(world)
    meeting = make_meeting(world, world.restricted, title=f"Meeting {HIDDEN_MARKER}", open_=True)
    with as_user(world.manager):
        return services.raise_requirement(
            actor=world.manager,
            data={
                "question": f"Requirement {marker} {SEARCH_WORD}?",
                "detail": f"Detail {marker}",
                "priority": priority,
                "due_date": timezone.localdate(),
                "assigned_to": world.analyst,
                "compartment": compartment,
            },
            meeting=meeting,
        )


def _tasking(world, compartment):
    """A tasking owned by the officer (who sees it when holding its compartment), serving a
    priority of ``restricted``."""
    from datetime import timedelta

    from django.utils import timezone

    from tasking import services
    from tests.tasking.helpers import as_user

    marker = MARKERS[compartment.slug]
    priority = _hidden_priority(world)
    with as_user(world.manager):
        return services.create_tasking(
            actor=world.manager,
            data={
                "title": f"Tasking {marker} {SEARCH_WORD}",
                "detail": f"Detail {marker}",
                "priority": priority,
                "owner_user": world.officer,
                "due_date": timezone.localdate() + timedelta(days=7),
                "compartment": compartment,
            },
        )


def _operation(world, compartment):
    """An operation of the compartment gathering a report and an entity of the same."""
    from operations.services import gather, open_operation
    from tests.intelligence.helpers import as_user, make_entity, make_report

    marker = MARKERS[compartment.slug]
    report = make_report(
        world, compartment, text=f"Operation report {marker}", sanitised=f"Op report {marker}"
    )
    entity = make_entity(world, compartment, name=f"Operation person {marker}")
    with as_user(world.analyst):
        operation = open_operation(
            actor=world.analyst,
            data={
                "name": f"Operation {marker} {SEARCH_WORD}",
                "reference": f"OP-{marker}-{compartment.pk}",
                "objectives": f"Objectives {marker}",
                "compartment": compartment,
            },
        )
        gather(operation, actor=world.analyst, kind="reports", records=[report])
        gather(operation, actor=world.analyst, kind="entities", records=[entity])
    return operation


def _chart(world, compartment):
    """A saved link chart of an operation of the compartment, placing two linked entities of
    the same compartment."""
    from operations.charts import create_chart
    from operations.models import Operation
    from operations.services import open_operation
    from tests.intelligence.helpers import as_user

    marker = MARKERS[compartment.slug]
    link = _link(world, compartment)
    with as_user(world.analyst):
        # Its own operation (the ``operation`` factory's reference may be taken already).
        operation = open_operation(
            actor=world.analyst,
            data={
                "name": f"Charted operation {marker}",
                "reference": f"OP-CHART-{marker}-{Operation.objects.count() + 1}",
                "compartment": compartment,
            },
        )
        return create_chart(
            actor=world.analyst,
            operation=operation,
            title=f"Chart {MARKERS[compartment.slug]} {SEARCH_WORD}",
            nodes=[
                {"id": link.from_entity_id, "x": 0, "y": 0},
                {"id": link.to_entity_id, "x": 120, "y": 40},
            ],
        )


def _extension(world, compartment):
    """The officer's request for more time on their tasking of the compartment."""
    from datetime import timedelta

    from audit import services as audit
    from tasking.models import ExtensionRequest

    tasking = _tasking(world, compartment)
    with audit.service_scope():
        return ExtensionRequest.objects.create(
            tasking=tasking,
            previous_due_date=tasking.due_date,
            requested_due_date=tasking.due_date + timedelta(days=7),
            reason=f"Reason {MARKERS[compartment.slug]}",
            requested_by=world.officer,
        )


def _suggestion(world, compartment):
    """A person the report's author says it mentions, open for the evaluator."""
    from audit import services as audit
    from intelligence.models import MentionSuggestion

    report = _report(world, compartment)
    with audit.service_scope():
        return MentionSuggestion.objects.create(
            report=report,
            kind="person",
            name=f"Suggested {MARKERS[compartment.slug]}",
            created_by=report.submitted_by,
        )


def _while_suggestion_open(user, suggestion) -> int:
    """Dismissing answers 200 while the suggestion is open, then 400 (already dismissed)."""
    suggestion.refresh_from_db()
    return 200 if suggestion.status == "open" else 400


def _compartment(world, compartment):
    return compartment


def _audit_event(world, compartment):
    from audit.models import AuditEvent

    return AuditEvent.objects.order_by("-id").first()


def _user(world, compartment):
    return world.analyst


def _watch(world, compartment):
    """The analyst's watch of an entity of the compartment."""
    from notifications.services import watch_entity
    from tests.intelligence.helpers import as_user

    with as_user(world.analyst):
        return watch_entity(actor=world.analyst, entity=_entity(world, compartment))


def _notification(world, compartment):
    """The analyst's notification that a report of the compartment names an entity of it."""
    from audit import services as audit
    from intelligence.models import ReportEntity
    from notifications.choices import Kind
    from notifications.services import notify

    with audit.service_scope():
        mention = ReportEntity.objects.create(
            report=_report(world, compartment),
            entity=_entity(world, compartment),
            created_by=world.analyst,
        )
    return notify(world.analyst, Kind.ENTITY_MENTIONED, mention)


def _own_notification(user, notification) -> bool:
    from notifications.selectors import notifications_for

    return notifications_for(user).filter(pk=notification.pk).exists()


FACTORIES: dict[str, Callable] = {
    "report": _report,
    "draft": _draft,
    "entity": _entity,
    "link": _link,
    "source": _source,
    "incident": _incident,
    "analysisjob": _analysis_job,
    "spatialjob": _spatial_job,
    "importjob": _import_job,
    "product": _product,
    "meeting": _meeting,
    "priority": _priority,
    "requirement": _requirement,
    "tasking": _tasking,
    "extension": _extension,
    "suggestion": _suggestion,
    "decision": _decision,
    "compartment": _compartment,
    "auditevent": _audit_event,
    "user": _user,
    "watch": _watch,
    "notification": _notification,
    "operation": _operation,
    "chart": _chart,
}
# Records that belong to no compartment: one record, the compartment dimension folds away.
UNCOMPARTMENTED = {"auditevent", "user"}


def register_factory(name: str, factory: Callable, *, compartmented: bool = True) -> None:
    """Add a record factory (for a feature's own test module, or a new app)."""
    FACTORIES[name] = factory
    if not compartmented:
        UNCOMPARTMENTED.add(name)


# --- The table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """What one route serves and who may use it.

    ``record``: factory name of the record in the URL (detail routes) or listed (``lists``).
    ``roles``: method -> roles that pass the role check (compartments aside).
    ``ok``: method -> status for a permitted role on a visible record (empty write bodies).
    ``justification``: consulting needs ``X-Justification`` (API) / a stated purpose (browser).
    ``consults``: a successful GET writes a consultation event (view/list/search/export).
    ``lists``: the route lists records of ``record``: ids listed are checked against visibility.
    ``query``: query string sent with GET.
    ``visible``: narrower visibility than ``Model.objects.visible_to`` (e.g. own drafts).
    ``lookup_first``: the view looks the record up before the role check (404 before 403).
    ``leak_check``: the body must not carry the other compartment's marker (the audit console
    names objects by design, so it is exempt).
    ``url_kwargs``: record -> the URL's further parameters (a route naming two records).
    """

    record: str | None = None
    roles: dict[str, frozenset[str]] = field(default_factory=dict)
    ok: dict[str, int] = field(default_factory=dict)
    justification: bool = True
    consults: bool = True
    lists: bool = False
    query: dict[str, str] = field(default_factory=dict)
    visible: Callable | None = None
    lookup_first: bool = False
    leak_check: bool = True
    lookup: str = "pk"
    url_kwargs: Callable | None = None


def api_detail(record, read, *, write=None, ok=None, **kw) -> Entry:
    roles = {"GET": read}
    roles.update(write or {})
    return Entry(record=record, roles=roles, ok=ok or {}, **kw)


def api_list(record, read, *, create=NOBODY, ok=None, **kw) -> Entry:
    return Entry(record=record, roles={"GET": read, "POST": create}, ok=ok or {}, lists=True, **kw)


def page_list(record, read, **kw) -> Entry:
    return Entry(record=record, roles={"GET": read}, lists=record is not None, **kw)


def _while_open(user, operation) -> int:
    """Closing answers 200 while the operation is open, then 409 (an earlier role closed it)."""
    operation.refresh_from_db()
    return 200 if operation.is_open else 409


def _while_closed(user, operation) -> int:
    operation.refresh_from_db()
    return 409 if operation.is_open else 200


def _while_present(status: int) -> Callable:
    """A deletion answers ``status`` while the record exists, then 404 (an earlier role
    deleted it)."""

    def expected(user, record) -> int:
        return status if type(record).objects.filter(pk=record.pk).exists() else 404

    return expected


def _own_draft(user, obj) -> bool:
    return obj.submitted_by_id == user.pk and obj.status == "draft"


def _own_report(user, obj) -> bool:
    from intelligence.models import Report

    visible = Report.objects.visible_to(user).filter(pk=obj.pk).exists()
    return obj.submitted_by_id == user.pk and visible


def _author_or_403(user, obj) -> int:
    """Submitting: the author's evaluated report is a 400 (not a draft); anyone else 403."""
    return 400 if obj.submitted_by_id == user.pk else 403


def _product_author_or_403(ok: int) -> Callable:
    """Only a product's author changes it: ``ok`` for the author, 403 for anyone else."""

    def status(user, product) -> int:
        return ok if product.author_id == user.pk else 403

    return status


def _while_cited(user, product) -> int:
    """Removing the citation: the page returns to the product while the citation exists (the
    author removes it, anyone else is told why not); once removed, the citation is a 404."""
    from analysis.models import Citation

    return 302 if Citation.objects.filter(pk=product.matrix_citation).exists() else 404


def _while_planned(user, meeting) -> int:
    """Opening: the first manager opens the planned meeting; opening it again is a 409."""
    status = type(meeting).objects.values_list("status", flat=True).get(pk=meeting.pk)
    return 200 if status == "planned" else 409


def _sees_or_400(model_path: str, field: str) -> Callable:
    """An edit re-checks the records the changed one names: someone who may not see the one
    in ``field`` gets a 400 naming it (an unknown record), and nothing changes."""

    def status(user, record) -> int:
        from django.apps import apps

        model = apps.get_model(model_path)
        named = getattr(record, field)
        return 200 if model.objects.visible_to(user).filter(pk=named).exists() else 400

    return status


# Routes served to anyone, or that are not about records: login, health, schema and docs.
EXEMPT = {
    "healthz",
    "accounts:login",
    "accounts:logout",
    "api-token",
    "api-schema",
    "api-docs",
    "set_language",
    "javascript-catalog",  # the scripts' translations: no record, the login page needs them
}

_FORM = {"POST": 200, "PUT": 200}
# A person's own sign-in settings: no record, no justification, nothing consulted.
_OWN = {"justification": False, "consults": False}

REGISTRY: dict[str, Entry] = {
    # --- accounts, core -------------------------------------------------------------------
    "accounts:password_change": Entry(
        roles={"GET": SIGNED_IN, "POST": SIGNED_IN, "PUT": SIGNED_IN},
        ok=_FORM,
        justification=False,
        consults=False,
    ),
    "api-me": Entry(roles={"GET": SIGNED_IN}, justification=False, consults=False),
    "api-root": Entry(roles={"GET": SIGNED_IN}, justification=False, consults=False),
    "core:home": Entry(
        record="report",
        roles={"GET": SIGNED_IN, "POST": SIGNED_IN},
        ok={"POST": 200},
        justification=False,
        consults=False,
    ),
    "core:justification": Entry(
        roles={"GET": SIGNED_IN, "POST": SIGNED_IN},
        ok={"POST": 200},
        justification=False,
        consults=False,
    ),
    "compartment-list": api_list("compartment", SIGNED_IN, justification=False, consults=True),
    "compartment-detail": api_detail("compartment", SIGNED_IN, justification=False, lookup="slug"),
    "user-list": api_list("user", ADMINS, justification=False),
    "user-detail": api_detail("user", ADMINS, justification=False),
    # --- audit ------------------------------------------------------------------------------
    "auditevent-list": api_list("auditevent", AUDIT_READERS, justification=False, leak_check=False),
    "auditevent-detail": api_detail(
        "auditevent", AUDIT_READERS, justification=False, leak_check=False
    ),
    "audit-verify": Entry(roles={"GET": AUDIT_READERS}, justification=False, consults=False),
    "audit-disclosure": Entry(
        roles={"POST": frozenset({"analyst", "analyst2", "manager"})}, justification=False
    ),
    "audit:event_list": Entry(
        roles={"GET": AUDIT_READERS, "POST": AUDIT_READERS},
        ok={"POST": 200},
        justification=False,
        leak_check=False,
    ),
    "audit:event_export": Entry(
        roles={"GET": frozenset({"oversight"}), "POST": frozenset({"oversight"})},
        ok={"POST": 200},
        justification=False,
        leak_check=False,
    ),
    "audit:integrity": Entry(
        roles={"GET": AUDIT_READERS, "POST": AUDIT_READERS},
        ok={"POST": 200},
        justification=False,
        consults=False,
        leak_check=False,
    ),
    "audit:integrity_run": Entry(
        roles={"POST": AUDIT_READERS}, ok={"POST": 302}, justification=False, leak_check=False
    ),
    "audit:anomaly_list": Entry(
        roles={"GET": frozenset({"oversight"}), "POST": frozenset({"oversight"})},
        ok={"POST": 200},
        justification=False,
        leak_check=False,
    ),
    "audit:anomaly_run": Entry(
        roles={"POST": frozenset({"oversight"})},
        ok={"POST": 302},
        justification=False,
        leak_check=False,
    ),
    # --- intelligence API -------------------------------------------------------------------
    "report-list": api_list("report", REPORT_READERS, create=REPORT_AUTHORS, query={}),
    # Only a draft's author may change it: the service refuses anyone else (403).
    "report-detail": api_detail(
        "report", REPORT_READERS, write={"PATCH": REPORT_AUTHORS}, ok={"PATCH": 403}
    ),
    "report-evaluate": api_detail("report", NOBODY, write={"POST": EVALUATORS}),
    "report-regrade": api_detail("report", NOBODY, write={"POST": EVALUATORS}),
    "report-review": api_detail("report", NOBODY, write={"POST": REVIEWERS}),
    "report-submit": api_detail(
        "report", NOBODY, write={"POST": REPORT_READERS}, ok={"POST": _author_or_403}
    ),
    # Bulk actions name their reports in the body (an empty one is a 400): assigning and
    # deferring from the evaluation queue, exporting from any report list.
    "report-bulk-assign": Entry(roles={"POST": EVALUATORS}),
    "report-bulk-defer": Entry(roles={"POST": EVALUATORS}),
    "report-bulk-export": Entry(roles={"POST": REPORT_READERS}),
    "report-link-entity": api_detail("report", NOBODY, write={"POST": ANALYSTS}),
    # The author's suggestions, listed (an empty list for a reader who links no entities).
    "report-suggestions": api_detail("report", REPORT_READERS),
    # The author's suggestions: an empty link names no entity (400); dismissing needs no body.
    "report-link-suggestion": Entry(
        record="suggestion",
        roles={"POST": ANALYSTS},
        lookup="report_id",
        url_kwargs=lambda suggestion: {"suggestion_pk": suggestion.pk},
    ),
    "report-dismiss-suggestion": Entry(
        record="suggestion",
        roles={"POST": ANALYSTS},
        ok={"POST": _while_suggestion_open},
        lookup="report_id",
        url_kwargs=lambda suggestion: {"suggestion_pk": suggestion.pk},
    ),
    "source-list": api_list("source", SOURCE_READERS, create=ANALYSTS),
    "source-detail": api_detail(
        "source", SOURCE_READERS, write={"PATCH": frozenset({"handler"})}, ok={"PATCH": 200}
    ),
    "entity-list": api_list("entity", INTEL_READERS, create=ANALYSTS),
    "entity-detail": api_detail("entity", INTEL_READERS),
    "entity-merge": api_detail("entity", NOBODY, write={"POST": ANALYSTS}),
    "link-list": api_list("link", INTEL_READERS, create=ANALYSTS),
    "link-detail": api_detail("link", INTEL_READERS),
    "incident-list": api_list("incident", INTEL_READERS, create=ANALYSTS),
    "incident-detail": api_detail("incident", INTEL_READERS),
    # The analyst's workbench (issue 16; tests/intelligence/test_graph_api.py and
    # test_lookup_api.py cover each parameter). The graph routes take the entity as a query
    # parameter: without one they answer 400 naming it, after the role and justification checks.
    "entity-timeline": api_detail("entity", INTEL_READERS),
    # A set of entities by ``?ids=`` (tests/intelligence/test_entity_set_timeline.py): without
    # one it answers 400 naming it, after the role and justification checks.
    "entity-set-timeline": Entry(roles={"GET": INTEL_READERS}, ok={"GET": 400}),
    "graph-neighbours": Entry(roles={"GET": INTEL_READERS}, ok={"GET": 400}),
    "graph-path": Entry(roles={"GET": INTEL_READERS}, ok={"GET": 400}),
    "lookup": Entry(
        record="entity",
        roles={"GET": INTEL_READERS},
        lists=True,
        query={"kind": "entity", "q": SEARCH_WORD},
    ),
    # --- analysis jobs ------------------------------------------------------------------------
    "job-list": api_list("analysisjob", INTEL_READERS, create=ANALYSTS),
    "job-detail": api_detail("analysisjob", INTEL_READERS),
    "analysis:job_list": page_list("analysisjob", INTEL_READERS),
    # An empty form answers 404 (the view looks the kind up first); a form error would be kinder.
    "analysis:job_create": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), ANALYSTS),
        ok={"POST": 404, "PUT": 404},
        consults=False,
    ),
    "analysis:job_detail": Entry(record="analysisjob", roles={"GET": INTEL_READERS}),
    # The progress fragment polls every few seconds and shows status only: not a consultation.
    "analysis:job_progress": Entry(
        record="analysisjob", roles={"GET": INTEL_READERS}, consults=False, justification=False
    ),
    # --- intelligence pages -----------------------------------------------------------------
    "intelligence:report_list": page_list("report", REPORT_READERS),
    "intelligence:report_create": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), REPORT_AUTHORS),
        ok=_FORM,
        justification=False,
        consults=False,
    ),
    "intelligence:report_detail": Entry(record="report", roles={"GET": REPORT_READERS}),
    "intelligence:report_edit": Entry(
        record="draft",
        roles=dict.fromkeys(("GET", "POST", "PUT"), REPORT_AUTHORS),
        ok=_FORM,
        justification=False,
        consults=False,
        visible=_own_draft,
        lookup_first=True,
    ),
    "intelligence:report_submit": Entry(
        record="report",
        roles={"POST": REPORT_AUTHORS},
        ok={"POST": 302},
        justification=False,
        visible=_own_report,
    ),
    "intelligence:report_evaluate": Entry(
        record="report", roles=dict.fromkeys(("GET", "POST", "PUT"), EVALUATORS), ok=_FORM
    ),
    "intelligence:report_regrade": Entry(
        record="report", roles=dict.fromkeys(("GET", "POST", "PUT"), EVALUATORS), ok=_FORM
    ),
    "intelligence:report_review": Entry(
        record="report", roles=dict.fromkeys(("GET", "POST", "PUT"), REVIEWERS), ok=_FORM
    ),
    "intelligence:report_entity_add": Entry(
        record="report", roles={"POST": ANALYSTS}, ok={"POST": 302}
    ),
    "intelligence:report_suggestion_dismiss": Entry(
        record="report", roles={"POST": ANALYSTS}, ok={"POST": 302}
    ),
    "intelligence:evaluation_queue": page_list(None, EVALUATORS),
    # The lists' bulk bars: an empty post goes back to the list saying what to tick.
    "intelligence:evaluation_bulk": Entry(roles={"POST": EVALUATORS}, ok={"POST": 302}),
    "intelligence:report_bulk": Entry(roles={"POST": REPORT_READERS}, ok={"POST": 302}),
    "intelligence:review_queue": page_list(None, REVIEWERS),
    "intelligence:search": Entry(
        record="report", roles={"GET": REPORT_READERS}, query={"q": SEARCH_WORD}, lists=True
    ),
    "intelligence:entity_list": page_list("entity", INTEL_READERS),
    "intelligence:entity_create": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), ANALYSTS),
        ok=_FORM,
        consults=False,
    ),
    "intelligence:entity_detail": Entry(record="entity", roles={"GET": INTEL_READERS}),
    # Without ``?ids=`` the page shows its empty form and consults nothing.
    "intelligence:entity_set_timeline": Entry(roles={"GET": INTEL_READERS}, consults=False),
    "intelligence:entity_merge": Entry(record="entity", roles={"POST": ANALYSTS}, ok={"POST": 302}),
    "intelligence:entity_edit": Entry(
        record="entity", roles=dict.fromkeys(("GET", "POST", "PUT"), ANALYSTS), ok=_FORM
    ),
    "intelligence:entity_link_create": Entry(
        record="entity", roles={"POST": ANALYSTS}, ok={"POST": 302}
    ),
    "intelligence:source_list": page_list("source", SOURCE_READERS),
    "intelligence:source_create": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), ANALYSTS),
        ok=_FORM,
        justification=False,
        consults=False,
    ),
    "intelligence:source_detail": Entry(record="source", roles={"GET": SOURCE_READERS}),
    "intelligence:incident_list": page_list("incident", INTEL_READERS),
    "intelligence:incident_create": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), ANALYSTS),
        ok=_FORM,
        justification=False,
        consults=False,
    ),
    "intelligence:incident_detail": Entry(record="incident", roles={"GET": INTEL_READERS}),
    # --- accounts: the person's own sign-in security (no record, nothing consulted) ---------
    "accounts:security": Entry(roles={"GET": SIGNED_IN}, **_OWN),
    # With no second factor pending there is nothing to verify: on to where the person was going.
    "accounts:two_factor_verify": Entry(
        roles=dict.fromkeys(("GET", "POST"), SIGNED_IN), ok={"GET": 302, "POST": 302}, **_OWN
    ),
    "accounts:two_factor_enrol": Entry(
        roles=dict.fromkeys(("GET", "POST"), SIGNED_IN), ok={"POST": 200}, **_OWN
    ),
    # New codes need a recent password confirmation and an authenticator: a redirect to either.
    "accounts:recovery_codes": Entry(
        roles=dict.fromkeys(("GET", "POST"), SIGNED_IN), ok={"POST": 302}, **_OWN
    ),
    "accounts:reauth": Entry(
        roles=dict.fromkeys(("GET", "POST"), SIGNED_IN), ok={"POST": 200}, **_OWN
    ),
    # --- incident imports -------------------------------------------------------------------
    # The endpoint reads multipart uploads only: an empty JSON body is a 415.
    "importjob-list": api_list("importjob", IMPORTERS, create=IMPORTERS, ok={"POST": 415}),
    "importjob-detail": api_detail("importjob", IMPORTERS),
    # The list shows file names and counts, no incident content: no justification asked.
    "intelligence:import_list": page_list("importjob", IMPORTERS, justification=False),
    "intelligence:import_upload": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), IMPORTERS),
        ok=_FORM,
        justification=False,
        consults=False,
    ),
    # With no upload waiting for its mapping in the session, the step sends back to the upload.
    "intelligence:import_mapping": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), IMPORTERS),
        ok=dict.fromkeys(("GET", "POST", "PUT"), 302),
        justification=False,
        consults=False,
    ),
    "intelligence:import_detail": Entry(record="importjob", roles={"GET": IMPORTERS}),
    # The progress block polls every few seconds and shows status only: not a consultation.
    "intelligence:import_progress": Entry(
        record="importjob", roles={"GET": IMPORTERS}, justification=False, consults=False
    ),
    # --- analysis job downloads (exports) -----------------------------------------------------
    "analysis:job_csv": Entry(record="spatialjob", roles={"GET": INTEL_READERS}),
    "analysis:job_geojson": Entry(record="spatialjob", roles={"GET": INTEL_READERS}),
    # --- analytical products API --------------------------------------------------------------
    "product-list": api_list("product", PRODUCT_READERS, create=PRODUCT_AUTHORS),
    # Only a product's author changes it: the service refuses anyone else (403).
    "product-detail": api_detail(
        "product",
        PRODUCT_READERS,
        write={"PATCH": PRODUCT_AUTHORS},
        ok={"PATCH": _product_author_or_403(200)},
    ),
    "product-submit": api_detail(
        "product",
        NOBODY,
        write={"POST": PRODUCT_AUTHORS},
        ok={"POST": _product_author_or_403(200)},
    ),
    # The working copy is a draft already: the author gets a 400, anyone else a 403.
    "product-revise": api_detail(
        "product",
        NOBODY,
        write={"POST": PRODUCT_AUTHORS},
        ok={"POST": _product_author_or_403(400)},
    ),
    "product-cite": api_detail("product", NOBODY, write={"POST": PRODUCT_AUTHORS}),
    # A draft is neither approved nor returned, and an empty body names no recipient: 400.
    "product-approve": api_detail("product", NOBODY, write={"POST": MANAGERS}),
    "product-return": api_detail("product", NOBODY, write={"POST": MANAGERS}),
    "product-disseminate": api_detail("product", NOBODY, write={"POST": MANAGERS}),
    "product-versions": api_detail("product", PRODUCT_READERS),
    "product-disseminations": api_detail("product", PRODUCT_READERS),
    # HTML rather than PDF: the same service and audit, a body the leak check can read.
    "product-export": api_detail("product", PRODUCT_READERS, query={"fmt": "html"}),
    # --- analytical products pages ------------------------------------------------------------
    "analysis:product_list": page_list("product", PRODUCT_READERS),
    "analysis:product_create": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), PRODUCT_AUTHORS),
        ok=_FORM,
        justification=False,
        consults=False,
    ),
    "analysis:product_detail": Entry(record="product", roles={"GET": PRODUCT_READERS}),
    "analysis:product_edit": Entry(
        record="product", roles=dict.fromkeys(("GET", "POST", "PUT"), PRODUCT_AUTHORS), ok=_FORM
    ),
    # Workflow buttons return to the product with a message, whether the service agreed or not.
    "analysis:product_submit": Entry(
        record="product", roles={"POST": PRODUCT_AUTHORS}, ok={"POST": 302}
    ),
    "analysis:product_approve": Entry(record="product", roles={"POST": MANAGERS}, ok={"POST": 302}),
    "analysis:product_return": Entry(record="product", roles={"POST": MANAGERS}, ok={"POST": 302}),
    "analysis:product_revise": Entry(
        record="product", roles={"POST": PRODUCT_AUTHORS}, ok={"POST": 302}
    ),
    "analysis:product_cite": Entry(
        record="product", roles={"POST": PRODUCT_AUTHORS}, ok={"POST": 302}
    ),
    "analysis:product_uncite": Entry(
        record="product",
        roles={"POST": PRODUCT_AUTHORS},
        ok={"POST": _while_cited},
        url_kwargs=lambda product: {"citation": product.matrix_citation},
    ),
    "analysis:product_cite_search": Entry(record="product", roles={"GET": PRODUCT_AUTHORS}),
    "analysis:product_disseminate": Entry(
        record="product", roles=dict.fromkeys(("GET", "POST", "PUT"), MANAGERS), ok=_FORM
    ),
    "analysis:product_version": Entry(
        record="product",
        roles={"GET": PRODUCT_READERS},
        url_kwargs=lambda product: {"number": 1},
    ),
    "analysis:product_export": Entry(
        record="product", roles={"GET": PRODUCT_READERS}, query={"fmt": "html"}
    ),
    # --- tasking API --------------------------------------------------------------------------
    "meeting-list": api_list("meeting", TASKING_READERS, create=MANAGERS),
    "meeting-detail": api_detail(
        "meeting", TASKING_READERS, write={"PATCH": MANAGERS}, ok={"PATCH": 200}
    ),
    "meeting-agenda": api_detail("meeting", TASKING_READERS),
    "meeting-open": api_detail(
        "meeting", NOBODY, write={"POST": MANAGERS}, ok={"POST": _while_planned}
    ),
    # A planned meeting cannot be closed: the state refuses (409), not the person.
    "meeting-close": api_detail("meeting", NOBODY, write={"POST": MANAGERS}, ok={"POST": 409}),
    # HTML rather than PDF: the same export and audit, a body the leak check can read.
    "meeting-minutes": api_detail("meeting", TASKING_READERS, query={"as": "html"}),
    "priority-list": api_list("priority", TASKING_READERS, create=PRIORITY_EDITORS),
    "priority-detail": api_detail(
        "priority",
        TASKING_READERS,
        write={"PATCH": PRIORITY_EDITORS},
        ok={"PATCH": _sees_or_400("intelligence.Entity", "subject_entity_id")},
    ),
    "priority-score": api_detail("priority", NOBODY, write={"POST": PRIORITY_EDITORS}),
    "priority-approve": api_detail("priority", NOBODY, write={"POST": MANAGERS}),
    "priority-reject": api_detail("priority", NOBODY, write={"POST": MANAGERS}),
    "requirement-list": api_list("requirement", TASKING_READERS, create=MANAGERS),
    "requirement-detail": api_detail(
        "requirement",
        TASKING_READERS,
        write={"PATCH": MANAGERS},
        ok={"PATCH": _sees_or_400("tasking.Priority", "priority_id")},
    ),
    "requirement-answer": api_detail("requirement", NOBODY, write={"POST": ANSWERERS}),
    "tasking-list": api_list("tasking", TASKING_VIEWERS, create=MANAGERS),
    "tasking-detail": api_detail(
        "tasking",
        TASKING_VIEWERS,
        write={"PATCH": MANAGERS},
        ok={"PATCH": _sees_or_400("tasking.Priority", "priority_id")},
    ),
    # The owner or a manager reports the result; an empty body names none: 400.
    "tasking-complete": api_detail("tasking", NOBODY, write={"POST": TASKING_VIEWERS}),
    # Requests for more time: listed to whoever sees the tasking; an empty request names no
    # date (400); a manager's empty decision names none (400).
    "tasking-extension-requests": api_detail(
        "tasking", TASKING_VIEWERS, write={"POST": TASKING_VIEWERS}
    ),
    "tasking-decide-extension": Entry(
        record="extension",
        roles={"POST": MANAGERS},
        lookup="tasking_id",
        url_kwargs=lambda extension: {"request_pk": extension.pk},
    ),
    "decision-list": api_list("decision", TASKING_READERS, create=MANAGERS),
    "decision-detail": api_detail(
        "decision", TASKING_READERS, write={"PATCH": MANAGERS}, ok={"PATCH": 200}
    ),
    # --- tasking pages ------------------------------------------------------------------------
    "tasking:meeting_list": page_list("meeting", TASKING_READERS),
    "tasking:meeting_create": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), MANAGERS),
        ok=_FORM,
        justification=False,
        consults=False,
    ),
    "tasking:meeting_detail": Entry(record="meeting", roles={"GET": TASKING_READERS}),
    # Meeting buttons return to the meeting with a message, whether the service agreed or not.
    "tasking:meeting_open": Entry(record="meeting", roles={"POST": MANAGERS}, ok={"POST": 302}),
    "tasking:meeting_close": Entry(record="meeting", roles={"POST": MANAGERS}, ok={"POST": 302}),
    "tasking:decision_add": Entry(record="meeting", roles={"POST": MANAGERS}, ok={"POST": 302}),
    "tasking:priority_decide": Entry(
        record="meeting",
        roles=dict.fromkeys(("GET", "POST", "PUT"), MANAGERS),
        ok=_FORM,
        url_kwargs=lambda meeting: {"priority_pk": meeting.candidate.pk},
    ),
    "tasking:meeting_requirement_create": Entry(
        record="meeting",
        roles=dict.fromkeys(("GET", "POST", "PUT"), MANAGERS),
        ok=_FORM,
        consults=False,
    ),
    "tasking:meeting_tasking_create": Entry(
        record="meeting",
        roles=dict.fromkeys(("GET", "POST", "PUT"), MANAGERS),
        ok=_FORM,
        consults=False,
    ),
    "tasking:meeting_minutes": Entry(
        record="meeting", roles={"GET": TASKING_READERS}, query={"as": "html"}
    ),
    # Every status, not only the candidates the page opens on.
    "tasking:priority_list": page_list("priority", TASKING_READERS, query={"status": "all"}),
    "tasking:priority_create": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), PRIORITY_EDITORS), ok=_FORM, consults=False
    ),
    "tasking:priority_detail": Entry(record="priority", roles={"GET": TASKING_READERS}),
    "tasking:priority_score": Entry(
        record="priority", roles=dict.fromkeys(("GET", "POST", "PUT"), PRIORITY_EDITORS), ok=_FORM
    ),
    "tasking:control_strategy": page_list("priority", TASKING_READERS),
    "tasking:requirement_list": page_list("requirement", TASKING_READERS),
    "tasking:requirement_create": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), MANAGERS), ok=_FORM, consults=False
    ),
    "tasking:requirement_detail": Entry(record="requirement", roles={"GET": TASKING_READERS}),
    "tasking:requirement_answer": Entry(
        record="requirement", roles={"POST": ANSWERERS}, ok={"POST": 302}
    ),
    "tasking:tasking_list": page_list("tasking", TASKING_VIEWERS),
    "tasking:my_taskings": page_list("tasking", TASKING_VIEWERS),
    "tasking:tasking_create": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), MANAGERS), ok=_FORM, consults=False
    ),
    "tasking:tasking_detail": Entry(record="tasking", roles={"GET": TASKING_VIEWERS}),
    "tasking:tasking_complete": Entry(
        record="tasking", roles={"POST": TASKING_VIEWERS}, ok={"POST": 302}
    ),
    # Asking for more time: the form consults the tasking; an empty request is refused beside
    # its fields (the service lets only the owner ask).
    "tasking:tasking_extension_request": Entry(
        record="tasking", roles=dict.fromkeys(("GET", "POST", "PUT"), TASKING_VIEWERS), ok=_FORM
    ),
    "tasking:tasking_extension_decide": Entry(
        record="extension", roles=dict.fromkeys(("GET", "POST", "PUT"), MANAGERS), ok=_FORM
    ),
    # The report form for a tasking: people who write reports and see taskings.
    "tasking:tasking_report": Entry(
        record="tasking",
        roles=dict.fromkeys(("GET", "POST", "PUT"), REPORT_AUTHORS & TASKING_VIEWERS),
        ok=_FORM,
    ),
    "tasking:decision_list": page_list("decision", TASKING_READERS),
    "tasking:decision_detail": Entry(record="decision", roles={"GET": TASKING_READERS}),
    # The CSV of the decision log: an export of the records built, read for leaks.
    "tasking:decision_export": Entry(record="decision", roles={"GET": TASKING_READERS}),
    # --- operations: analysts and managers ------------------------------------------------------
    "operation-list": api_list("operation", OPERATION_READERS, create=OPERATION_READERS),
    # An empty PATCH changes nothing and is valid; an empty close closes (a note is optional).
    "operation-detail": api_detail(
        "operation", OPERATION_READERS, write={"PATCH": OPERATION_READERS}, ok={"PATCH": 200}
    ),
    "operation-items": api_detail("operation", NOBODY, write={"POST": OPERATION_READERS}),
    "operation-close": api_detail(
        "operation", NOBODY, write={"POST": OPERATION_READERS}, ok={"POST": _while_open}
    ),
    # An open operation cannot be reopened: the state refuses (409), not the person.
    "operation-reopen": api_detail(
        "operation", NOBODY, write={"POST": OPERATION_READERS}, ok={"POST": _while_closed}
    ),
    "operation-timeline": api_detail("operation", OPERATION_READERS),
    "operations:list": page_list("operation", OPERATION_READERS),
    "operations:create": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), OPERATION_READERS), ok=_FORM, consults=False
    ),
    "operations:detail": Entry(record="operation", roles={"GET": OPERATION_READERS}),
    "operations:timeline": Entry(record="operation", roles={"GET": OPERATION_READERS}),
    "operations:edit": Entry(
        record="operation", roles=dict.fromkeys(("GET", "POST", "PUT"), OPERATION_READERS), ok=_FORM
    ),
    "operations:gather": Entry(
        record="operation", roles=dict.fromkeys(("GET", "POST", "PUT"), OPERATION_READERS), ok=_FORM
    ),
    "operations:remove": Entry(
        record="operation", roles={"POST": OPERATION_READERS}, ok={"POST": 302}, consults=False
    ),
    "operations:close": Entry(
        record="operation", roles={"POST": OPERATION_READERS}, ok={"POST": 302}, consults=False
    ),
    "operations:reopen": Entry(
        record="operation", roles={"POST": OPERATION_READERS}, ok={"POST": 302}, consults=False
    ),
    "chart-list": api_list("chart", OPERATION_READERS, create=OPERATION_READERS),
    "chart-detail": api_detail(
        "chart",
        OPERATION_READERS,
        write={"PATCH": OPERATION_READERS, "DELETE": OPERATION_READERS},
        ok={"PATCH": 200, "DELETE": _while_present(204)},
    ),
    "chart-graphml": api_detail("chart", OPERATION_READERS),
    "chart-svg": api_detail("chart", OPERATION_READERS),
    "chart-csv": api_detail("chart", OPERATION_READERS),
    # Entities to place on the chart: a search (audited as one) among what the reader may see.
    "chart-entities": api_detail("chart", OPERATION_READERS, query={"q": SEARCH_WORD}),
    "operations:chart_create": Entry(
        record="operation", roles=dict.fromkeys(("GET", "POST", "PUT"), OPERATION_READERS), ok=_FORM
    ),
    "operations:chart": Entry(record="chart", roles={"GET": OPERATION_READERS}),
    "operations:chart_graphml": Entry(record="chart", roles={"GET": OPERATION_READERS}),
    "operations:chart_svg": Entry(record="chart", roles={"GET": OPERATION_READERS}),
    "operations:chart_csv": Entry(record="chart", roles={"GET": OPERATION_READERS}),
    "operations:chart_delete": Entry(
        record="chart",
        roles={"POST": OPERATION_READERS},
        ok={"POST": _while_present(302)},
        consults=False,
    ),
    # --- watches and notifications: one's own --------------------------------------------------
    "watch-list": api_list("watch", INTEL_READERS, create=INTEL_READERS),
    "watch-detail": api_detail(
        "watch", INTEL_READERS, write={"DELETE": INTEL_READERS}, ok={"DELETE": 204}
    ),
    "notification-list": Entry(roles={"GET": SIGNED_IN}),
    "notification-detail": api_detail("notification", SIGNED_IN, visible=_own_notification),
    "notification-read": Entry(
        record="notification",
        roles={"POST": SIGNED_IN},
        ok={"POST": 200},
        visible=_own_notification,
        justification=False,
        consults=False,
    ),
    "notification-read-all": Entry(
        roles={"POST": SIGNED_IN}, ok={"POST": 200}, justification=False, consults=False
    ),
    "notifications:list": Entry(roles={"GET": SIGNED_IN}),
    "notifications:mark_read": Entry(
        record="notification",
        roles={"POST": SIGNED_IN},
        ok={"POST": 302},
        visible=_own_notification,
        justification=False,
        consults=False,
    ),
    "notifications:mark_all_read": Entry(
        roles={"POST": SIGNED_IN}, ok={"POST": 302}, justification=False, consults=False
    ),
    "notifications:watch_list": page_list("watch", INTEL_READERS),
    "notifications:watch_entity": Entry(
        record="entity", roles={"POST": INTEL_READERS}, ok={"POST": 302}, consults=False
    ),
    "notifications:unwatch_entity": Entry(
        record="entity", roles={"POST": INTEL_READERS}, ok={"POST": 302}, consults=False
    ),
    "notifications:watch_operation": Entry(
        record="operation", roles={"POST": OPERATION_READERS}, ok={"POST": 302}, consults=False
    ),
    "notifications:unwatch_operation": Entry(
        record="operation", roles={"POST": OPERATION_READERS}, ok={"POST": 302}, consults=False
    ),
    "notifications:watch_search": Entry(
        roles={"POST": INTEL_READERS}, ok={"POST": 302}, justification=False, consults=False
    ),
    "notifications:unwatch": Entry(
        record="watch", roles={"POST": INTEL_READERS}, ok={"POST": 302}, consults=False
    ),
}


def permitted(entry: Entry, method: str, role: str) -> bool:
    return role == SUPERUSER or role in entry.roles.get(method, ())


def expected_ok(route, entry: Entry, method: str, user, record) -> int:
    if method in entry.ok:
        ok = entry.ok[method]
        return ok(user, record) if callable(ok) else ok
    if method == "GET":
        return 200
    return 400 if route.kind == "api" else 200


# Rows kept beside later apps' own tests (tests/<app>/matrix_entries.py).
def _merge_extensions() -> None:
    from tests.security.extensions import merge

    merge(FACTORIES, "matrix_entries", "FACTORIES")
    merge(REGISTRY, "matrix_entries", "REGISTRY")


_merge_extensions()
