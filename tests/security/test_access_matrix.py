"""The access matrix: every route x every method it accepts x every role x both compartments.

Routes come from the URL configuration (``routes.discover``); what each must answer comes
from the declarative table in ``matrix.py``. A route missing from the table fails here, with a
message saying where to add it, so a new endpoint cannot slip past these checks.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.choices import CONSULTATION_ACTIONS
from tests.security import matrix
from tests.security.access import (
    body_of,
    clients_for,
    events_since,
    last_event_id,
    login_url,
    send,
)
from tests.security.routes import METHODS, discover
from tests.utils.access import JUSTIFICATION
from tests.utils.world import build_world

pytestmark = pytest.mark.matrix

ROUTES = discover()
CHECKED = [r for r in ROUTES if r.name not in matrix.EXEMPT]
# Filled as the tests run; test_zz_figures prints the totals for docs/security.md.
FIGURES = {"routes": 0, "requests": 0, "combinations": 0}


def _missing_message(names) -> str:
    return (
        "These routes have no entry in tests/security/matrix.py REGISTRY: "
        + ", ".join(sorted(names))
        + ". Add one per route: the record it serves (a factory), which roles may use each "
        "method, and whether consulting it needs a justification."
    )


def test_every_route_of_the_url_configuration_has_an_entry_in_the_access_table():
    missing = [r.name for r in CHECKED if r.name not in matrix.REGISTRY]
    assert not missing, _missing_message(missing)


def test_the_access_table_names_no_route_that_no_longer_exists():
    names = {r.name for r in ROUTES}
    stale = sorted(set(matrix.REGISTRY) - names)
    assert not stale, f"Entries for routes that no longer exist: {stale}; remove them."


def _records(world, entry, slugs=("general", "restricted")):
    """``[(compartment slug or None, record)]`` for the route's record kind, one per slug."""
    if entry.record is None:
        return [(None, None)]
    factory = matrix.FACTORIES[entry.record]
    if entry.record in matrix.UNCOMPARTMENTED:
        return [(None, factory(world, world.general))]
    return [(slug, factory(world, getattr(world, slug))) for slug in slugs]


def _url_kwargs(route, entry, record) -> dict:
    if not route.kwargs:
        return {}
    kwargs = {route.kwargs[0]: getattr(record, entry.lookup)}
    if entry.url_kwargs is not None:
        kwargs.update(entry.url_kwargs(record))
    return kwargs


def _url(route, entry, record) -> str:
    return reverse(route.name, kwargs=_url_kwargs(route, entry, record))


def _visible(entry, role, slug, record, world) -> bool:
    """Whether ``role`` may see ``record``: the compartment grant first, then the model's
    ``visible_to`` (or the entry's narrower rule)."""
    if record is None or role == matrix.ANONYMOUS:
        return record is None
    if slug is not None and role not in matrix.GRANTS[slug]:
        return False
    user = world.user(role)
    if entry.visible is not None:
        return entry.visible(user, record)
    manager = type(record)._default_manager
    if hasattr(manager, "visible_to"):
        return manager.visible_to(user).filter(pk=record.pk).exists()
    return True


def _expected(route, entry, method, role, visible, user, record) -> int:
    if role == matrix.ANONYMOUS:
        return 401 if route.kind == "api" else 302
    permitted = matrix.permitted(entry, method, role)
    if entry.lookup_first and not visible:
        return 404
    if not permitted:
        return 403
    if not visible:
        return 404
    return matrix.expected_ok(route, entry, method, user, record)


def _listed_ids(events, model_label) -> set[str]:
    ids: set[str] = set()
    for event in events:
        if event.action in ("list", "search") and event.object_type == model_label:
            ids.update(event.details.get("ids", []))
    return ids


@pytest.mark.django_db
@pytest.mark.parametrize("route", CHECKED, ids=str)
def test_each_role_gets_what_the_access_table_says_and_every_refusal_is_audited(route):
    entry = matrix.REGISTRY.get(route.name)
    assert entry is not None, _missing_message([route.name])
    world = build_world()
    records = _records(world, entry)
    clients = clients_for(world, matrix.ALL_ROLES)
    problems: list[str] = []
    FIGURES["routes"] += 1
    seen: dict = {}

    def may_see(role, slug, record) -> bool:
        # Requests carry empty bodies, so what a role may see stays as it was: asked once.
        if (role, slug) not in seen:
            seen[role, slug] = _visible(entry, role, slug, record, world)
        return seen[role, slug]

    for method in route.methods:
        for role in matrix.ALL_ROLES:
            client = clients[role][route.kind]
            user = None if role == matrix.ANONYMOUS else world.user(role)
            for slug, record in records:
                FIGURES["combinations"] += 1
                FIGURES["requests"] += 1
                where = f"{method} {route.name} as {role}" + (f" on {slug} record" if slug else "")
                url = _url(route, entry, record)
                # A collection route answers whoever may use it; visibility narrows its rows.
                visible = not route.kwargs or may_see(role, slug, record)
                expected = _expected(route, entry, method, role, visible, user, record)
                before = last_event_id()
                response = send(client, method, url, entry.query)
                status = response.status_code
                body = body_of(response)
                events = events_since(before)
                mine = [e for e in events if user is not None and e.actor_id == user.pk]
                if status != expected:
                    problems.append(f"{where}: expected {expected}, got {status}")
                    continue
                if (
                    status == 302
                    and role == matrix.ANONYMOUS
                    and not response["Location"].startswith(login_url())
                ):
                    problems.append(f"{where}: redirected to {response['Location']}")
                # A refusal by role, or a record out of reach, is logged; a 404 of a form
                # that names no record is not a refusal.
                if (status == 403 or (status == 404 and route.kwargs)) and user is not None:
                    denied = [e for e in mine if e.action == "denied"]
                    if not denied:
                        problems.append(f"{where}: {status} without a 'denied' audit event")
                    elif status == 404 and record is not None:
                        # The record out of reach is named; when the record is visible, the
                        # 404 is about another record the URL names (a removed citation).
                        named = {str(getattr(record, entry.lookup))}
                        if visible:
                            named |= {str(v) for v in _url_kwargs(route, entry, record).values()}
                        if not any(e.object_id in named for e in denied):
                            problems.append(f"{where}: the 'denied' event names none of {named}")
                if status == 200 and method == "GET" and entry.consults:
                    consulted = [e for e in mine if e.action in CONSULTATION_ACTIONS]
                    if not consulted:
                        problems.append(f"{where}: served without a consultation event")
                    elif entry.justification and any(
                        e.justification != JUSTIFICATION for e in consulted
                    ):
                        problems.append(f"{where}: consultation event lacks the justification")
                if status == 200 and method == "GET" and entry.lists and entry.record:
                    label = type(records[-1][1])._meta.label_lower
                    listed = _listed_ids(mine, label)
                    for other_slug, other in records:
                        shown = str(other.pk) in listed
                        may = may_see(role, other_slug, other)
                        if shown and not may:
                            problems.append(f"{where}: lists {label} {other.pk} it may not see")
                if (
                    status < 400
                    and entry.leak_check
                    and role not in matrix.GRANTS["restricted"]
                    and matrix.HIDDEN_MARKER in body
                ):
                    problems.append(f"{where}: the body carries a record of 'restricted'")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route",
    [
        r
        for r in CHECKED
        if r.name in matrix.REGISTRY
        and matrix.REGISTRY[r.name].justification
        and "GET" in r.methods
        and matrix.REGISTRY[r.name].roles.get("GET")
    ],
    ids=str,
)
def test_consulting_without_a_justification_is_refused_before_any_content(route):
    entry = matrix.REGISTRY[route.name]
    world = build_world()
    slug, record = _records(world, entry, slugs=("general",))[0]
    role = sorted(entry.roles["GET"] & matrix.GRANTS["general"] or entry.roles["GET"])[0]
    client = clients_for(world, [role], justification=None)[role][route.kind]
    before = last_event_id()
    response = send(client, "GET", _url(route, entry, record), entry.query)
    if route.kind == "api":
        assert response.status_code == 428, response.content
        assert "X-Justification" in response.json()["detail"]
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("core:justification"))
    consulted = [e for e in events_since(before) if e.action in CONSULTATION_ACTIONS]
    assert consulted == []
    assert matrix.SHOWN_MARKER not in body_of(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route",
    [r for r in CHECKED if set(r.methods) != set(METHODS) and r.name in matrix.REGISTRY],
    ids=str,
)
def test_a_method_a_route_does_not_accept_is_refused_never_served(route):
    entry = matrix.REGISTRY[route.name]
    world = build_world()
    _, record = _records(world, entry, slugs=("general",))[0]
    clients = clients_for(world, ["analyst", "admin"])
    url = _url(route, entry, record)
    for method in sorted(set(METHODS) - set(route.methods)):
        for role in ("analyst", "admin"):
            response = send(clients[role][route.kind], method, url)
            assert response.status_code in (401, 403, 404, 405), (
                f"{method} {route.name} as {role}: {response.status_code}"
            )


def test_zz_figures(capsys):
    """Prints the figures the matrix reached in this run (docs/security.md quotes them)."""
    with capsys.disabled():
        print(
            f"\naccess matrix: {FIGURES['routes']} routes, "
            f"{FIGURES['combinations']} route x method x role x compartment combinations"
        )
