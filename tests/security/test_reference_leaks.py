"""The reference rule, proved for every reference the model graph holds.

For each pair (A refers to B through a foreign key or a many-to-many field) found by
``ilp_platform.core.references.reference_pairs()``, a record A of ``general`` is made to refer
to a record B of ``restricted`` whose every text field carries a unique marker. Then every page,
API route, search, filter, export and admin page that can show A is requested as ``analyst2``,
``officer`` and the demo ``admin`` (a superuser holding ``general`` only), none of whom holds
``restricted``; no answer may carry any marker, and a filter naming B answers as it does for a
record that does not exist. A new reference is covered the day it is added; a new model fails
here until it has its factories in ``tests/security/references.py``.
"""

from __future__ import annotations

import json
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from ilp_platform.core.references import GOVERNING, is_restricted, reference_pairs
from ilp_platform.web.admin import RestrictedModelAdmin
from tests.security import matrix
from tests.security import references as refs
from tests.security.access import body_of, clients_for
from tests.security.routes import discover
from tests.utils.world import build_world

READERS = ("analyst2", "officer", "admin")
MISSING_ID = 987654321
# Record kinds of the access table, by the model they are.
KIND_MODELS = {
    "report": "intelligence.report",
    "entity": "intelligence.entity",
    "link": "intelligence.link",
    "source": "intelligence.source",
    "incident": "intelligence.incident",
    "analysisjob": "analysis.analysisjob",
    "product": "analysis.product",
    "meeting": "tasking.meeting",
    "priority": "tasking.priority",
    "requirement": "tasking.requirement",
    "tasking": "tasking.tasking",
    "decision": "tasking.decision",
}
# Further pages that show a record of these models: the record they belong to.
PARENTS = {
    "intelligence.reportentity": ("report", "entity"),
    "intelligence.mentionsuggestion": ("report",),
    "intelligence.link": ("from_entity", "to_entity"),
    "analysis.citation": ("product",),
    "analysis.dissemination": ("product",),
    "tasking.requirementanswer": ("requirement",),
}
# Filters a list may offer for a reference, beyond the field's own name.
FILTER_NAMES = {"intelligence.entity": ("entity",), "intelligence.report": ("report",)}
# Figures for docs/security.md, printed by the last test.
FIGURES: dict = {}


def cross_pairs():
    """Pairs where A and B can be in different compartments (a governing reference puts A in
    B's compartment by construction)."""
    return [(m, f, k) for m, f, k in reference_pairs() if k != GOVERNING]


def test_every_reference_of_the_model_graph_has_factories():
    missing = []
    for model, field, _kind in cross_pairs():
        label = model._meta.label_lower
        if (label, field.name) not in refs.GENERAL_WITH and label not in refs.GENERAL:
            missing.append(f"{label} (A, for {field.name})")
        target = field.related_model._meta.label_lower
        if target not in refs.HIDDEN:
            missing.append(f"{target} (B)")
    assert not missing, "Add factories to tests/security/references.py for: " + ", ".join(
        sorted(set(missing))
    )


def test_governing_references_are_the_compartment_path():
    for model, field, kind in reference_pairs():
        if kind == GOVERNING:
            assert model.compartment_path.startswith(f"{field.name}__")


def test_every_admin_page_of_a_restricted_model_keeps_the_access_rule():
    loose = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if is_restricted(model) and not isinstance(model_admin, RestrictedModelAdmin)
    ]
    assert not loose, f"Admin classes must derive from RestrictedModelAdmin: {loose}"


def _build(world):
    """A of general referring to B of restricted, for every pair; returns the pairs built."""
    built = []
    for n, (model, field, kind) in enumerate(cross_pairs(), start=1):
        label = model._meta.label_lower
        marker = f"ZQX{n:03d}Q"
        target = field.related_model._meta.label_lower
        hidden = refs.HIDDEN[target](world, marker)
        refs.mark(hidden, marker)
        if (label, field.name) in refs.GENERAL_WITH:
            a = refs.GENERAL_WITH[label, field.name](world, hidden)
            refs.derive(a)
        else:
            a = refs.GENERAL[label](world)
            refs.point(world, a, field, hidden)
        built.append({"label": label, "field": field, "kind": kind, "a": a, "b": hidden})
        built[-1]["marker"] = marker
    return built


def _records_to_visit(built) -> dict[str, set[int]]:
    """Model label -> ids of general records whose pages may show an A."""
    visit: dict[str, set[int]] = {}
    for pair in built:
        a = pair["a"]
        visit.setdefault(pair["label"], set()).add(a.pk)
        for name in PARENTS.get(pair["label"], ()):
            parent = getattr(type(a)._base_manager.get(pk=a.pk), f"{name}_id")
            related = a._meta.get_field(name).related_model._meta.label_lower
            visit.setdefault(related, set()).add(parent)
    return visit


def _network_job(world):
    from analysis.services.jobs import request_job, run_job_now
    from tests.intelligence.helpers import as_user

    with as_user(world.analyst):
        job = request_job(
            actor=world.analyst,
            kind="network",
            params={"compartments": ["general"]},
            title="General network",
        )
    job = run_job_now(job)
    assert job.status == "succeeded", job.message
    assert job.result["network"]["nodes"], "the network job found no general entities"
    return job


def _parent_labels(pair) -> set[str]:
    model = type(pair["a"])
    return {
        model._meta.get_field(name).related_model._meta.label_lower
        for name in PARENTS.get(pair["label"], ())
    }


def _urls(visit):
    """Every GET route of the access table, for every general record of its kind."""
    out = []
    for route in discover():
        entry = matrix.REGISTRY.get(route.name)
        if entry is None or "GET" not in route.methods or not entry.leak_check:
            continue
        if route.name in matrix.EXEMPT:
            continue
        query = dict(entry.query)
        if not route.kwargs:
            out.append((route, reverse(route.name), query))
            if route.kind == "page" and entry.lists:
                out.append((route, reverse(route.name), {**query, "export": "csv"}))
            continue
        label = KIND_MODELS.get(entry.record or "")
        if label is None:
            continue
        for pk in sorted(visit.get(label, ())):
            try:
                url = reverse(route.name, kwargs={route.kwargs[0]: pk})
            except NoReverseMatch:
                continue
            out.append((route, url, query))
    return out


def _results(response) -> list | None:
    try:
        data = json.loads(body_of(response))
    except ValueError:
        return None
    if isinstance(data, dict) and "results" in data:
        return sorted(json.dumps(item, sort_keys=True) for item in data["results"])
    return None


# Every route as every reader, like the access matrix: CI runs it once, on PostgreSQL.
@pytest.mark.matrix
@pytest.mark.django_db
def test_nothing_of_a_restricted_record_shows_through_a_general_record_that_refers_to_it():
    world = build_world()
    built = _build(world)
    markers = {pair["marker"]: pair for pair in built}
    pattern = re.compile("|".join(markers))
    visit = _records_to_visit(built)
    # A network job over general, run by the analyst who holds both compartments: its chart
    # and tables are built from general links and mentions, some of which reach restricted
    # entities.
    visit.setdefault("analysis.analysisjob", set()).add(_network_job(world).pk)
    clients = clients_for(world, READERS)
    leaks: list[str] = []
    requests = 0

    def check(role, kind, url, query, response):
        nonlocal requests
        requests += 1
        assert response.status_code < 500, f"{role} GET {url} {query}: {response.status_code}"
        found = set(pattern.findall(body_of(response)))
        for marker in found:
            pair = markers[marker]
            leaks.append(
                f"{role} GET {url} {query or ''}: shows {pair['field'].related_model.__name__} "
                f"{marker} through {pair['label']}.{pair['field'].name}"
            )

    # Every page and API route that shows a general record, as each reader.
    for route, url, query in _urls(visit):
        for role in READERS:
            client = clients[role][route.kind]
            check(role, route.kind, url, query, client.get(url, query))

    # The workbench's graph routes name their entities in the query: every general entity's
    # neighbourhood (as deep as it goes) and the paths between them; and each marker typed
    # into every kind of typeahead finds what a term nothing contains finds.
    entities = sorted(visit.get("intelligence.entity", ()))
    for pk in entities:
        for role in READERS:
            client = clients[role]["api"]
            url = reverse("graph-neighbours")
            query = {"entity": pk, "depth": 3}
            check(role, "api", url, query, client.get(url, query))
            for other in entities:
                if other != pk:
                    url, query = reverse("graph-path"), {"from": pk, "to": other}
                    check(role, "api", url, query, client.get(url, query))
    for pair in built:
        for kind in ("entity", "report", "source", "priority", "operation", "user"):
            for role in READERS:
                client = clients[role]["api"]
                url, query = reverse("lookup"), {"kind": kind, "q": pair["marker"].lower()}
                typed = client.get(url, query)
                check(role, "api", url, query, typed)
                nothing = client.get(url, {**query, "q": "zzqnothingmatches"})
                if typed.status_code != nothing.status_code or _results(typed) != _results(nothing):
                    leaks.append(f"{role} GET {url} {query}: finds records through {pair['label']}")

    # Searches for each marker (in lower case: a page echoing the query shows it so, a leak
    # shows the record's own upper-case text), and each list of A (or of the record A belongs
    # to) filtered by B's id, answer as they do for nothing and for a missing id.
    lists = [r for r in discover() if not r.kwargs and "GET" in r.methods]
    entries = {r.name: matrix.REGISTRY.get(r.name) or matrix.Entry() for r in lists}
    lists = [r for r in lists if entries[r.name].lists and entries[r.name].leak_check]
    missing_cache: dict = {}
    for pair in built:
        target = pair["field"].related_model._meta.label_lower
        names = {pair["field"].name, *FILTER_NAMES.get(target, ())}
        shown_in = {pair["label"], *_parent_labels(pair)}
        term = pair["marker"].lower()
        for route in lists:
            entry = entries[route.name]
            if KIND_MODELS.get(entry.record or "") not in shown_in and "q" not in entry.query:
                continue
            url = reverse(route.name)
            for role in READERS:
                client = clients[role][route.kind]
                searched = client.get(url, {"q": term})
                check(role, route.kind, url, {"q": term}, searched)
                if route.kind == "api":
                    key = (role, url, "q")
                    if key not in missing_cache:
                        missing_cache[key] = client.get(url, {"q": "zzqnothingmatches"})
                    nothing = missing_cache[key]
                    if searched.status_code != nothing.status_code or _results(
                        searched
                    ) != _results(nothing):
                        leaks.append(
                            f"{role} GET {url}?q={term}: finds records through "
                            f"{pair['label']}.{pair['field'].name}"
                        )
                for name in names:
                    hidden = client.get(url, {name: pair["b"].pk})
                    key = (role, url, name)
                    if key not in missing_cache:
                        missing_cache[key] = client.get(url, {name: MISSING_ID})
                    missing = missing_cache[key]
                    check(role, route.kind, url, {name: pair["b"].pk}, hidden)
                    if hidden.status_code != missing.status_code or (
                        route.kind == "api" and _results(hidden) != _results(missing)
                    ):
                        leaks.append(
                            f"{role} GET {url}?{name}=<{pair['marker']}'s id>: answers "
                            f"{hidden.status_code} against {missing.status_code} for a missing "
                            "id, or other rows"
                        )

    # The admin, as the superuser holding general only: lists, searches, general records' pages.
    admin_client = clients["admin"]["page"]
    for model, _model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        app, name = model._meta.app_label, model._meta.model_name
        changelist = reverse(f"admin:{app}_{name}_changelist")
        check("admin", "page", changelist, {}, admin_client.get(changelist))
        for pair in built:
            if label in {pair["label"], *_parent_labels(pair)}:
                term = pair["marker"].lower()
                searched = admin_client.get(changelist, {"q": term})
                check("admin", "page", changelist, {"q": term}, searched)
        for pk in sorted(visit.get(label, ())):
            page = reverse(f"admin:{app}_{name}_change", args=[pk])
            check("admin", "page", page, {}, admin_client.get(page))
        for pair in built:
            if pair["field"].related_model is model:
                page = reverse(f"admin:{app}_{name}_change", args=[pair["b"].pk])
                response = admin_client.get(page)
                check("admin", "page", page, {}, response)
                assert response.status_code == 302, f"admin opened a restricted {label}"

    FIGURES.update(pairs=len(built), requests=requests, leaks=len(leaks))
    assert not leaks, f"{len(leaks)} leaks:\n" + "\n".join(sorted(set(leaks))[:80])


def test_zz_figures(capsys):
    """Totals for docs/security.md (printed with ``-s``)."""
    if FIGURES:
        with capsys.disabled():
            print(
                f"\nreference rule: {FIGURES['pairs']} pairs, {FIGURES['requests']} requests, "
                f"{FIGURES['leaks']} leaks"
            )


def test_pairs_are_discovered_from_the_model_graph():
    """The pairs are read from the installed models, not written down: every foreign key and
    many-to-many field between restricted models is one."""
    found = {(m._meta.label_lower, f.name) for m, f, _k in reference_pairs()}
    for model in apps.get_models():
        if not is_restricted(model):
            continue
        for field in model._meta.get_fields():
            if field.concrete and field.is_relation and is_restricted(field.related_model):
                assert (model._meta.label_lower, field.name) in found
