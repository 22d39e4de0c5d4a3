"""API fuzzing: generated requests against every operation of the OpenAPI schema.

Schemathesis reads ``/api/v1/schema/`` from the WSGI application (no network server) and
sends generated requests to each operation as each role, with an API token and a
justification header. Checks on every response:

- no server error (5xx);
- the response conforms to the schema for its status code;
- authentication is not ignored: an operation that answers the role with 2xx refuses the same
  request without credentials and with invalid ones (401/403).

Examples per operation and role: ``ILP_FUZZ_EXAMPLES`` (default 50); ``ILP_FUZZ_ROLE_EXAMPLES``
sets another number for the roles other than the analyst (default: the same), to shorten a local
run. Generation is derandomised (the same cases each run) and nothing is written to a
Hypothesis database.
"""

from __future__ import annotations

import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import ignored_auth, response_schema_conformance

from tests.security.matrix import ROLES
from tests.utils.access import JUSTIFICATION
from tests.utils.world import build_world

pytestmark = [pytest.mark.fuzz]

MAIN_ROLE = "analyst"
MAIN_EXAMPLES = int(os.environ.get("ILP_FUZZ_EXAMPLES", "50"))
ROLE_EXAMPLES = int(os.environ.get("ILP_FUZZ_ROLE_EXAMPLES", str(MAIN_EXAMPLES)))
CHECKS = [not_a_server_error, response_schema_conformance, ignored_auth]
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


def _settings(examples: int):
    return settings(
        max_examples=examples,
        database=None,
        derandomize=True,
        # Generated cases only: schemathesis' coverage phase adds hundreds of fixed cases per
        # operation, far beyond the time budget (see docs/security.md).
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


def _run(case, role: str) -> None:
    figures = FIGURES.setdefault(role, {"cases": 0, "operations": set(), "seconds": 0.0})
    figures["operations"].add(case.operation.label)
    started = time.monotonic()
    case.call_and_validate(
        headers={"Authorization": f"Token {_TOKENS[role]}", "X-Justification": JUSTIFICATION},
        checks=CHECKS,
    )
    figures["cases"] += 1
    figures["seconds"] += time.monotonic() - started


_TOKENS: dict[str, str] = {}


@pytest.fixture
def tokens(db):
    from rest_framework.authtoken.models import Token

    world = build_world()
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


def test_zz_fuzz_figures(capsys):
    with capsys.disabled():
        for role, fig in FIGURES.items():
            print(
                f"\nfuzz {role}: {len(fig['operations'])} operations, {fig['cases']} cases, "
                f"{fig['seconds']:.1f} s in requests"
            )
