"""The API's OpenAPI contract, checked against the code that answers.

- Every response property that can read ``null`` says so: a field reading a nullable column,
  or a masked reference (``ilp_platform.core.references``: ``null`` to a reader who may not see
  its target), or a method field whose return type admits ``None``.
- Every operation documents the error responses it can give (400, 401, 403, 404, 409, 428,
  503) with a JSON body.
- Every list is paginated (``results``, ``next``), the product's versions and disseminations
  included.
- Query parameters are checked: an unknown value of a parameter with listed values (an enum
  or a yes/no) answers 400 naming the parameter and the accepted values; an empty value is the
  same as leaving the parameter out.
- Every filter set of the project keeps the reference rule (derives from the restricted
  bases of ``ilp_platform.web.filters``).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import types
import typing
from functools import cache

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers
from rest_framework.relations import ManyRelatedField

from audit.models import AuditEvent
from ilp_platform.web.serializers import may_read_as_null
from tests.utils.access import api_client

PROJECT_PACKAGES = (
    "ilp_platform",
    "intelligence",
    "analysis",
    "tasking",
    "audit",
    "operations",
    "notifications",
)


@cache
def _generated():
    generator = SchemaGenerator()
    schema = generator.get_schema(request=None, public=True)
    return generator, schema


def _schema():
    return _generated()[1]


def _response_components():
    """(name, serializer, schema) of every response component built from a serializer."""
    generator, schema = _generated()
    found = []
    for (name, kind), component in generator.registry._components.items():
        if kind != "schemas" or name.endswith("Request"):
            continue
        obj = component.object
        if not isinstance(obj, serializers.BaseSerializer) or isinstance(
            obj, serializers.ListSerializer
        ):
            continue
        properties = schema["components"]["schemas"].get(name, {}).get("properties")
        if properties:
            found.append((name, obj, properties))
    return found


def _readable_fields(serializer):
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        yield name, field


def test_the_walk_covers_the_api_components():
    names = {name for name, _serializer, _properties in _response_components()}
    assert {"Report", "Priority", "Requirement", "Source", "Tasking", "Decision"} <= names


def test_every_response_property_that_can_read_null_is_nullable_in_the_schema():
    """A nullable column or a masked reference behind a response property: ``nullable``."""
    problems = []
    for name, serializer, properties in _response_components():
        model = getattr(getattr(serializer, "Meta", None), "model", None)
        if model is None:
            continue
        for field_name, field in _readable_fields(serializer):
            if field_name not in properties or field.source == "*":
                continue
            if isinstance(field, ManyRelatedField | serializers.ListSerializer):
                continue
            if isinstance(field, serializers.SerializerMethodField):
                continue
            if not may_read_as_null(model, field.source_attrs):
                continue
            if not properties[field_name].get("nullable"):
                problems.append(f"{name}.{field_name} (source {field.source})")
    assert not problems, "can read null but the schema says never: " + ", ".join(problems)


def _admits_none(hint) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in (
        typing.get_args(hint)
    )


def test_method_fields_that_may_answer_null_are_nullable_in_the_schema():
    """A method field annotated ``-> X | None`` (a withheld identity, a result not ready)."""
    problems = []
    for name, serializer, properties in _response_components():
        for field_name, field in _readable_fields(serializer):
            if not isinstance(field, serializers.SerializerMethodField):
                continue
            method = getattr(serializer, field.method_name, None)
            if method is None or field_name not in properties:
                continue
            hint = typing.get_type_hints(method).get("return")
            if _admits_none(hint) and not properties[field_name].get("nullable"):
                problems.append(f"{name}.{field_name}")
    assert not problems, "may answer null but the schema says never: " + ", ".join(problems)


@pytest.mark.parametrize(
    "component, fields",
    [
        ("Report", ["evaluated_by", "source", "text"]),
        ("Priority", ["crime_type", "decided_by", "subject_entity", "decided_at_meeting"]),
        ("Requirement", ["assigned_to", "priority", "raised_at_meeting"]),
        ("Source", ["handler", "identity_name", "identity_details"]),
        ("Tasking", ["owner_unit", "owner_user", "priority", "requirement", "raised_at_meeting"]),
        ("Decision", ["meeting", "priority", "tasking", "product", "requirement", "amends"]),
        ("Entity", ["merged_into"]),
    ],
)
def test_the_fields_the_outside_run_saw_null_are_nullable(component, fields):
    properties = _schema()["components"]["schemas"][component]["properties"]
    assert [f for f in fields if not properties[f].get("nullable")] == []


# --- Error responses ------------------------------------------------------------------------


def _operations():
    for path, item in _schema()["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def _view_of(path: str, method: str):
    from django.urls import resolve

    # Every path parameter as a value its route accepts (a slug, or a number).
    url = re.sub(r"\{[a-z_]+\}", "1", path.replace("{slug}", "general"))
    match = resolve(url)
    cls = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    return cls, (getattr(match.func, "actions", None) or {}).get(method, method)


def test_every_operation_documents_the_error_responses_it_can_give():
    from ilp_platform.web.api import RestrictedViewSetMixin

    problems = []
    for path, method, operation in _operations():
        responses = operation["responses"]
        parameters = operation.get("parameters", [])
        view, _action = _view_of(path, method)
        expected = {"503"}
        if operation.get("security") and {} not in operation["security"]:
            expected |= {"401", "403"}
        if method in ("post", "put", "patch", "delete") or any(
            p["in"] == "query" for p in parameters
        ):
            expected.add("400")
        if any(p["in"] == "path" for p in parameters):
            expected.add("404")
        restricted = issubclass(view, RestrictedViewSetMixin)
        if restricted:
            expected.add("400")  # a NUL in any query parameter
            if view.requires_justification and (
                method == "get" or (method != "get" and view.justification_for_writes)
            ):
                expected.add("428")
            if method != "get" and view.writes_may_conflict:
                expected.add("409")
        missing = sorted(expected - set(responses))
        if missing:
            problems.append(f"{method.upper()} {path}: {', '.join(missing)}")
        for code, response in responses.items():
            if code >= "400" and "application/json" not in response.get("content", {}):
                problems.append(f"{method.upper()} {path}: {code} without a JSON body")
    assert not problems, "\n".join(problems)


def test_the_error_bodies_are_components():
    schemas = _schema()["components"]["schemas"]
    assert schemas["Error"]["required"] == ["detail"]
    assert schemas["ValidationError"]["type"] == "object"
    listed = _schema()["paths"]["/api/v1/reports/"]["get"]["responses"]
    assert listed["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationError"
    }
    assert listed["428"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_the_justification_header_is_documented_where_it_is_needed():
    names = [p["name"] for p in _schema()["paths"]["/api/v1/reports/"]["get"]["parameters"]]
    assert "X-Justification" in names
    job_request = _schema()["paths"]["/api/v1/jobs/"]["post"]
    assert "428" in job_request["responses"]
    assert "428" not in _schema()["paths"]["/api/v1/reports/"]["post"]["responses"]


# --- Pagination -----------------------------------------------------------------------------


def test_every_list_in_the_schema_is_paginated():
    problems = []
    for path, method, operation in _operations():
        if method != "get":
            continue
        ok = operation["responses"].get("200", {}).get("content", {}).get("application/json")
        if not ok:
            continue
        ref = ok["schema"].get("$ref", "")
        schema = _schema()["components"]["schemas"].get(ref.rsplit("/", 1)[-1], ok["schema"])
        if schema.get("type") == "array":
            problems.append(f"GET {path} answers a bare list")
    assert not problems, "\n".join(problems)


def _product_approved_twice_and_disseminated_twice(world):
    from analysis.services.products.dissemination import disseminate_product
    from analysis.services.products.workflow import (
        approve_product,
        create_product,
        revise_product,
        submit_product,
    )
    from tests.intelligence.helpers import as_user

    with as_user(world.analyst):
        product = create_product(
            actor=world.analyst,
            data={"kind": "strategic", "title": "Area picture", "compartment": world.general},
        )
    for _round in range(2):
        with as_user(world.analyst):
            if product.status != "draft":
                revise_product(product, actor=world.analyst)
            submit_product(product, actor=world.analyst)
        with as_user(world.manager):
            approve_product(product, actor=world.manager)
            disseminate_product(
                product, actor=world.manager, recipient=f"Partner {_round}", legal_basis="s115"
            )
    return product


@pytest.mark.django_db
def test_a_products_versions_and_disseminations_are_paginated_and_still_audited(world):
    product = _product_approved_twice_and_disseminated_twice(world)
    manager = api_client(world.manager)
    for part, newest in (
        ("versions", ("number", 2)),
        ("disseminations", ("recipient", "Partner 1")),
    ):
        url = reverse(f"product-{part}", args=[product.pk])
        before = AuditEvent.objects.filter(object_id=str(product.pk), action="view").count()
        first = manager.get(url, {"page_size": 1}).json()
        assert set(first) >= {"results", "next"}, part
        assert len(first["results"]) == 1 and first["results"][0][newest[0]] == newest[1]
        assert first["next"], part
        second = manager.get(first["next"]).json()
        assert len(second["results"]) == 1 and second["next"] is None
        after = AuditEvent.objects.filter(object_id=str(product.pk), action="view").count()
        assert after == before + 2, part  # each page is a consultation of the product


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params, name",
    [
        ({"page_size": "abc"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "1.5"}, "page_size"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "cD1hYmM="}, "cursor"),  # p=abc: not an id
    ],
)
def test_bad_pagination_parameters_answer_400_naming_them(world, params, name):
    response = api_client(world.analyst).get(reverse("report-list"), params)
    assert response.status_code == 400
    assert list(response.json()) == [name]


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["1.0", "1_0", " 1", "١"])
def test_an_id_filter_takes_digits_only(world, value):
    """The schema says integer: what is not one is refused, not read as one."""
    response = api_client(world.analyst).get(reverse("link-list"), {"entity": value})
    assert response.status_code == 400
    assert list(response.json()) == ["entity"]


@pytest.mark.django_db
def test_empty_pagination_parameters_are_the_defaults(world):
    response = api_client(world.analyst).get(
        reverse("report-list"), {"page_size": "", "cursor": ""}
    )
    assert response.status_code == 200


# --- Query parameters with listed values ----------------------------------------------------

LIST_READERS = ("analyst", "manager", "oversight", "admin", "officer")


def _lists():
    """(path, operation) of every list: a GET without path parameters answering a page."""
    for path, method, operation in _operations():
        parameters = operation.get("parameters", [])
        if method != "get" or any(p["in"] == "path" for p in parameters):
            continue
        ok = operation["responses"].get("200", {}).get("content", {}).get("application/json")
        if ok and ok["schema"].get("$ref", "").startswith("#/components/schemas/Paginated"):
            yield path, operation


def _listed_value_parameters():
    """(path, parameter name, accepted values) of every enum or yes/no query parameter of
    every list."""
    found = []
    for path, operation in _lists():
        parameters = operation.get("parameters", [])
        for parameter in parameters:
            if parameter["in"] != "query":
                continue
            schema = parameter["schema"]
            if schema.get("enum"):
                found.append((path, parameter["name"], [str(v) for v in schema["enum"]]))
            elif schema.get("type") == "boolean":
                found.append((path, parameter["name"], ["true", "false"]))
    return found


def test_the_walk_finds_the_enum_and_yes_no_filters():
    found = {(path, name) for path, name, _values in _listed_value_parameters()}
    assert {
        ("/api/v1/jobs/", "status"),
        ("/api/v1/jobs/", "kind"),
        ("/api/v1/jobs/", "mine"),
        ("/api/v1/links/", "kind"),
        ("/api/v1/products/", "status"),
        ("/api/v1/taskings/", "overdue"),
        ("/api/v1/taskings/", "mine"),
        ("/api/v1/priorities/", "subject_kind"),
    } <= found


def _ids(response) -> list:
    return [
        row.get("id") or row.get("slug") or row.get("username")
        for row in response.json()["results"]
    ]


def _client_for(world, url):
    for role in LIST_READERS:
        client = api_client(world.user(role))
        if client.get(url).status_code == 200:
            return client
    raise AssertionError(f"no role lists {url}")


@pytest.mark.django_db
def test_an_unknown_value_answers_400_naming_the_parameter_and_the_accepted_values(world):
    problems = []
    for path, name, accepted in _listed_value_parameters():
        client = _client_for(world, path)
        response = client.get(path, {name: "bogus"})
        body = response.json() if response.status_code == 400 else {}
        message = " ".join(str(m) for m in body.get(name, []))
        if response.status_code != 400:
            problems.append(f"{path}?{name}=bogus: {response.status_code}")
        elif not all(value in message for value in accepted):
            problems.append(f"{path}?{name}=bogus: {message!r} does not list {accepted}")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_an_empty_value_is_no_filter_on_every_list(world):
    problems = []
    for path, operation in _lists():
        parameters = operation.get("parameters", [])
        client = _client_for(world, path)
        for parameter in parameters:
            if parameter["in"] != "query":
                continue
            assert parameter.get("allowEmptyValue") is True, (path, parameter["name"])
            unfiltered = _ids(client.get(path))
            response = client.get(path, {parameter["name"]: ""})
            if response.status_code != 200:
                problems.append(f"{path}?{parameter['name']}=: {response.status_code}")
                continue
            # Lists that grow as they are read (the audit log logs its own consultation):
            # compare what both answers can hold.
            top = max(unfiltered, default=0)
            same = [pk for pk in _ids(response) if pk <= top]
            if same != unfiltered[: len(same)] or len(same) < len(unfiltered) - 5:
                problems.append(f"{path}?{parameter['name']}=: another list")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_jobs_are_filtered_through_the_filter_set(world):
    from analysis.models import AnalysisJob

    def _job(user, status):
        job = AnalysisJob.objects.create(
            kind="temporal", title="t", params={}, requested_by=user, status=status
        )
        job.compartments.set([world.general])
        return job

    mine = _job(world.analyst, status="succeeded")
    _job(world.analyst2, status="failed")
    client = api_client(world.analyst)
    url = reverse("job-list")
    assert [j["id"] for j in client.get(url, {"status": "succeeded"}).json()["results"]] == [
        mine.pk
    ]
    assert [j["id"] for j in client.get(url, {"mine": "true"}).json()["results"]] == [mine.pk]
    refused = client.get(url, {"status": "bogus"})
    assert refused.status_code == 400
    assert "queued, running, succeeded, failed" in refused.json()["status"][0]


# --- Filter sets ----------------------------------------------------------------------------


def _import_project_modules():
    for package_name in PROJECT_PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            if ".migrations" in info.name or info.name.endswith(("settings", "wsgi", "asgi")):
                continue
            importlib.import_module(info.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_filter_set_of_the_project_keeps_the_reference_rule():
    import django_filters

    from ilp_platform.web.filters import RestrictedFilterSetMixin

    _import_project_modules()
    found = [
        cls
        for cls in set(_subclasses(django_filters.filterset.BaseFilterSet))
        if cls.__module__.split(".")[0] in PROJECT_PACKAGES
        and not inspect.isabstract(cls)
        and cls.__module__ != "ilp_platform.web.filters"
    ]
    assert len(found) >= 8, [cls.__name__ for cls in found]
    outside = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in found
        if not issubclass(cls, RestrictedFilterSetMixin)
    ]
    assert not outside, "filter sets outside the rule: " + ", ".join(outside)
