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
NOBODY: frozenset[str] = frozenset()


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
    from intelligence import services
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
        return services.create_report(actor=author, data=data, submit=False)


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
    from intelligence import services
    from tests.intelligence.helpers import as_user, make_entity

    marker = MARKERS[compartment.slug]
    one = make_entity(world, compartment, name=f"{marker} One")
    two = make_entity(world, compartment, name=f"{marker} Two")
    with as_user(world.analyst):
        return services.create_link(
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
            world.analyst,
            "temporal",
            {"compartments": [compartment.slug]},
            title=f"Job {MARKERS[compartment.slug]}",
        )
    job.refresh_from_db()
    return job


def _compartment(world, compartment):
    return compartment


def _audit_event(world, compartment):
    from audit.models import AuditEvent

    return AuditEvent.objects.order_by("-id").first()


def _user(world, compartment):
    return world.analyst


FACTORIES: dict[str, Callable] = {
    "report": _report,
    "draft": _draft,
    "entity": _entity,
    "link": _link,
    "source": _source,
    "incident": _incident,
    "analysisjob": _analysis_job,
    "compartment": _compartment,
    "auditevent": _audit_event,
    "user": _user,
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


# Routes that landed while this table was written, still waiting for their entry. Listed by
# name, so a route added after them still fails the matrix at once; each entry added here
# should move the name into REGISTRY. The matrix skips these with that reminder.
PENDING = {
    # two-factor and re-authentication pages (accounts)
    "accounts:security",
    "accounts:two_factor_verify",
    "accounts:two_factor_enrol",
    "accounts:recovery_codes",
    "accounts:reauth",
    # incident imports
    "importjob-list",
    "importjob-detail",
    "intelligence:import_list",
    "intelligence:import_upload",
    "intelligence:import_mapping",
    "intelligence:import_detail",
    "intelligence:import_progress",
    # analysis job exports (need a job with tables / features in its result)
    "analysis:job_csv",
    "analysis:job_geojson",
    # analytical products
    "product-list",
    "product-detail",
    "product-approve",
    "product-cite",
    "product-disseminate",
    "product-disseminations",
    "product-export",
    "product-return",
    "product-revise",
    "product-submit",
    "product-versions",
    "analysis:product_list",
    "analysis:product_create",
    "analysis:product_detail",
    "analysis:product_edit",
    "analysis:product_submit",
    "analysis:product_approve",
    "analysis:product_return",
    "analysis:product_revise",
    "analysis:product_cite",
    "analysis:product_cite_search",
    "analysis:product_uncite",
    "analysis:product_disseminate",
    "analysis:product_version",
    "analysis:product_export",
    # tasking
    "meeting-list",
    "meeting-detail",
    "meeting-agenda",
    "meeting-close",
    "meeting-minutes",
    "meeting-open",
    "priority-list",
    "priority-detail",
    "priority-approve",
    "priority-reject",
    "priority-score",
    "requirement-list",
    "requirement-detail",
    "requirement-answer",
    "tasking-list",
    "tasking-detail",
    "tasking-complete",
    "decision-list",
    "decision-detail",
    "tasking:meeting_list",
    "tasking:meeting_create",
    "tasking:meeting_detail",
    "tasking:meeting_open",
    "tasking:meeting_close",
    "tasking:decision_add",
    "tasking:priority_decide",
    "tasking:meeting_requirement_create",
    "tasking:meeting_tasking_create",
    "tasking:meeting_minutes",
    "tasking:priority_list",
    "tasking:priority_create",
    "tasking:priority_detail",
    "tasking:priority_score",
    "tasking:control_strategy",
    "tasking:requirement_list",
    "tasking:requirement_create",
    "tasking:requirement_detail",
    "tasking:requirement_answer",
    "tasking:tasking_list",
    "tasking:my_taskings",
    "tasking:tasking_create",
    "tasking:tasking_detail",
    "tasking:tasking_complete",
    "tasking:decision_list",
    "tasking:decision_export",
    "tasking:decision_detail",
}


def api_detail(record, read, *, write=None, ok=None, **kw) -> Entry:
    roles = {"GET": read}
    roles.update(write or {})
    return Entry(record=record, roles=roles, ok=ok or {}, **kw)


def api_list(record, read, *, create=NOBODY, ok=None, **kw) -> Entry:
    return Entry(record=record, roles={"GET": read, "POST": create}, ok=ok or {}, lists=True, **kw)


def page_list(record, read, **kw) -> Entry:
    return Entry(record=record, roles={"GET": read}, lists=record is not None, **kw)


def _own_draft(user, obj) -> bool:
    return obj.submitted_by_id == user.pk and obj.status == "draft"


def _own_report(user, obj) -> bool:
    from intelligence.models import Report

    visible = Report.objects.visible_to(user).filter(pk=obj.pk).exists()
    return obj.submitted_by_id == user.pk and visible


def _author_or_403(user, obj) -> int:
    """Submitting: the author's evaluated report is a 400 (not a draft); anyone else 403."""
    return 400 if obj.submitted_by_id == user.pk else 403


# Routes served to anyone, or that are not about records: login, health, schema and docs.
EXEMPT = {
    "healthz",
    "accounts:login",
    "accounts:logout",
    "api-token",
    "api-schema",
    "api-docs",
    "set_language",
}

_FORM = {"POST": 200, "PUT": 200}

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
    "audit-verify": Entry(
        roles={"GET": AUDIT_READERS}, ok={"GET": 404}, justification=False, consults=False
    ),
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
        consults=False,
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
    "report-link-entity": api_detail("report", NOBODY, write={"POST": ANALYSTS}),
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
    "intelligence:evaluation_queue": page_list(None, EVALUATORS),
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
    "intelligence:entity_merge": Entry(record="entity", roles={"POST": ANALYSTS}, ok={"POST": 302}),
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
    "intelligence:incident_detail": Entry(record="incident", roles={"GET": INTEL_READERS}),
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
