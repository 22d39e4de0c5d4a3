"""API fuzzing: generated requests against every operation of the OpenAPI schema.

Schemathesis reads ``/api/v1/schema/`` from the WSGI application (no network server) and
sends generated requests to each operation as each role, with an API token and a
justification header. Every check schemathesis offers runs on every response
(``schemathesis.checks.CHECKS``), but the one in :data:`EXCLUDED`, which is wrong for this API
by design:

- ``not_a_server_error``: no 5xx;
- ``status_code_conformance``, ``content_type_conformance``, ``response_headers_conformance``,
  ``response_schema_conformance``: the status code, media type, headers and body are the ones
  the schema documents for the operation (error responses included);
- ``negative_data_rejection``: a request the schema forbids (a wrong type, an unknown enum
  value, a missing required field...) is refused with a 4xx;
- ``ignored_auth``: an operation that answers the role with 2xx refuses the same request
  without credentials and with invalid ones (401/403);
- ``missing_required_header``, ``unsupported_method``, ``allow_header_conformance``: a missing
  required header is refused, a method the path does not document answers 405, and what
  ``Allow`` lists is documented (scenarios of schemathesis' coverage phase);
- ``ensure_resource_availability`` (a record just created can be read) and ``use_after_free``
  (one deleted stays gone; the API deletes nothing, so it has nothing to find): checks over
  sequences of calls, run by the stateful test; single generated requests pass through them;
- ``object_level_authorization``: replays one identity's read as its configured peers; with one
  identity per test it stays idle (the access matrix checks every record as every role).

Three kinds of test, all derandomised (the same cases each run), nothing written to a
Hypothesis database:

- generated requests (Hypothesis' generate phase, valid and invalid data) for every operation
  as every role: ``ILP_FUZZ_EXAMPLES`` per operation (default 50); ``ILP_FUZZ_ROLE_EXAMPLES``
  sets another number for the roles other than the analyst (default: the same), to shorten a
  local run;
- the coverage phase (the schema's examples, boundary values, each required part left out,
  undocumented methods): a fixed set of cases per operation, as the roles in
  ``ILP_FUZZ_COVERAGE_ROLES`` (default ``analyst``; ``all``, or a comma-separated list, or
  ``none``);
- sequences of calls linked by the ids responses give (schemathesis' state machine), as the
  analyst: ``ILP_FUZZ_STATEFUL`` sequences (default 20) of up to 8 calls.
"""

from __future__ import annotations

import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.security.matrix import FACTORIES, ROLES, UNCOMPARTMENTED
from tests.utils.access import JUSTIFICATION
from tests.utils.world import build_world

pytestmark = [pytest.mark.fuzz]

MAIN_ROLE = "analyst"
MAIN_EXAMPLES = int(os.environ.get("ILP_FUZZ_EXAMPLES", "50"))
ROLE_EXAMPLES = int(os.environ.get("ILP_FUZZ_ROLE_EXAMPLES", str(MAIN_EXAMPLES)))
STATEFUL_SEQUENCES = int(os.environ.get("ILP_FUZZ_STATEFUL", "20"))


def _coverage_roles() -> tuple[str, ...]:
    raw = os.environ.get("ILP_FUZZ_COVERAGE_ROLES", MAIN_ROLE).strip()
    if raw == "all":
        return ROLES
    if raw in ("", "none", "0"):
        return ()
    return tuple(role.strip() for role in raw.split(",") if role.strip())


COVERAGE_ROLES = _coverage_roles()
# Every check but these (each with the reason it does not fit this API):
EXCLUDED = [
    # "A schema-valid request is accepted" cannot hold here: a schema-valid id, slug or
    # username names a record that does not exist or lies outside the caller's compartments
    # (400 "does not exist" in a body, 404 in a path, by the reference rule, never telling the
    # two apart), and the rules between fields (a grading code valid for its scheme, a meeting
    # that is open) are the services' to check, not the schema's.
    positive_data_acceptance,
]
FIGURES: dict[str, dict] = {}


@pytest.fixture
def api_schema(db):
    """The schema as the WSGI application serves it.

    Requests go straight into the application, so, like Django's test client, keep the
    handler from closing the test's database connection at the end of each request.
    """
    from django.core import signals
    from django.db import close_old_connections

    from ilp_platform.wsgi import application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    # Schemathesis' lazy loader renames the test item through ``_nodeid``, which pytest 9
    # items no longer carry; give it the attribute it reads.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


def _settings(examples: int, phase: Phase = Phase.generate):
    return settings(
        max_examples=examples,
        database=None,
        derandomize=True,
        # One phase per test: generated cases (``generate``), or the schema's examples and
        # schemathesis' coverage cases (``explicit``); each has its own time budget.
        phases=[phase],
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


def _headers(role: str) -> dict[str, str]:
    return {"Authorization": f"Token {_TOKENS[role]}", "X-Justification": JUSTIFICATION}


def _count(label: str, operation: str, started: float) -> None:
    figures = FIGURES.setdefault(label, {"cases": 0, "operations": set(), "seconds": 0.0})
    figures["operations"].add(operation)
    figures["cases"] += 1
    figures["seconds"] += time.monotonic() - started


def _run(case, role: str, label: str | None = None) -> None:
    started = time.monotonic()
    case.call_and_validate(headers=_headers(role), excluded_checks=EXCLUDED)
    _count(label or role, case.operation.label, started)


_TOKENS: dict[str, str] = {}


def _fill(world) -> None:
    """Records of every kind in both compartments (the access matrix's factories), so lists
    answer rows and the response checks see real values: among them references each role may
    not follow (a tasking of ``general`` serving a priority of ``restricted``), which read as
    ``null``."""
    from importlib import import_module

    from django.apps import apps

    # The records name crime types and retention classes: the migrations' reference data,
    # which a transactional test run before this one in the same process may have emptied.
    import_module("intelligence.migrations.0002_reference_data").load(apps, None)
    for name, factory in FACTORIES.items():
        if name == "incident":  # the analysis job's factory records the same incident
            continue
        if name in UNCOMPARTMENTED:
            factory(world, world.general)
        else:
            for compartment in (world.general, world.restricted):
                factory(world, compartment)


@pytest.fixture
def tokens(db):
    from rest_framework.authtoken.models import Token

    world = build_world()
    _fill(world)
    _TOKENS.clear()
    for role in ROLES:
        token, _ = Token.objects.get_or_create(user=world.user(role))
        _TOKENS[role] = token.key
    return _TOKENS


@schema.parametrize()
@_settings(MAIN_EXAMPLES)
def test_the_api_survives_generated_requests_as_an_analyst(case, tokens):
    _run(case, MAIN_ROLE)


def _as_role(role: str):
    @schema.parametrize()
    @_settings(ROLE_EXAMPLES)
    def test(case, tokens):
        _run(case, role)

    test.__name__ = f"test_the_api_survives_generated_requests_as_{role}"
    test.__doc__ = f"Every operation, generated requests, as {role}."
    return test


# One test per other role (schemathesis' lazy schema does not take parametrised fixtures).
for _role in ROLES:
    if _role != MAIN_ROLE:
        globals()[f"test_the_api_survives_generated_requests_as_{_role}"] = _as_role(_role)


def _coverage_as(role: str):
    @schema.parametrize()
    @_settings(1, Phase.explicit)
    def test(case, tokens):
        _run(case, role, f"{role} (coverage phase)")

    test.__name__ = f"test_the_api_passes_the_coverage_phase_as_{role}"
    test.__doc__ = f"Every operation, schemathesis' coverage cases, as {role}."
    return test


for _role in COVERAGE_ROLES:
    globals()[f"test_the_api_passes_the_coverage_phase_as_{_role}"] = _coverage_as(_role)


@pytest.mark.skipif(STATEFUL_SEQUENCES < 1, reason="ILP_FUZZ_STATEFUL=0")
def test_the_api_survives_sequences_of_calls_as_an_analyst(api_schema, tokens):
    """Schemathesis' state machine: calls chained by the ids earlier responses gave, so the
    checks over sequences (a record just created can be read) have something to check."""
    headers = _headers(MAIN_ROLE)

    class Sequences(api_schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def step(self, input):
            started = time.monotonic()
            output = super().step(input)
            _count(f"{MAIN_ROLE} (sequences)", input.case.operation.label, started)
            return output

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                excluded_checks=EXCLUDED,
                headers=headers,
                transport_kwargs=kwargs or None,
                recorder=getattr(self, "recorder", None),
            )

    Sequences.run(
        settings=settings(
            max_examples=STATEFUL_SEQUENCES,
            stateful_step_count=8,
            database=None,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
    )


def test_zz_fuzz_figures(capsys):
    with capsys.disabled():
        for role, fig in FIGURES.items():
            print(
                f"\nfuzz {role}: {len(fig['operations'])} operations, {fig['cases']} cases, "
                f"{fig['seconds']:.1f} s in requests"
            )
