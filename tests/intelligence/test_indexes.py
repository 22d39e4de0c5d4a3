"""The indexes of references most rows leave empty cover only the rows where they are set,
and a lookup by one still reads its index (with the table scan ruled out, as a large table
would rule it out); a reference led by a wider index has no index of its own."""

from __future__ import annotations

import pytest
from django.db import connection

from intelligence.models import Entity, Link, Provenance, Report, ReportEntity

pytestmark = pytest.mark.django_db

WHERE_SET = [
    (Report, "source", "intel_report_source_set"),
    (Report, "owning_unit", "intel_report_owning_unit_set"),
    (Report, "evaluated_by", "intel_report_evaluated_by_set"),
    (Report, "erased_by", "intel_report_erased_by_set"),
    (Report, "assigned_to", "intel_report_assigned_to_set"),
    (Report, "deferred_by", "intel_report_deferred_by_set"),
    (Provenance, "originating_unit", "intel_provenance_unit_set"),
    (Provenance, "consent_recorded_by", "intel_provenance_consent_set"),
    (Entity, "merged_into", "intel_entity_merged_set"),
    (Entity, "owning_unit", "intel_entity_unit_set"),
]


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row) for row in cursor.fetchall())


def _indexes(model) -> dict:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, model._meta.db_table)


@pytest.mark.parametrize(("model", "field", "name"), WHERE_SET)
def test_an_index_where_set_covers_the_rows_that_hold_the_reference(model, field, name):
    column = model._meta.get_field(field).column
    indexes = _indexes(model)
    assert indexes[name]["columns"] == [column]
    # The field's own index over every row is gone.
    assert not [
        other
        for other, about in indexes.items()
        if about["columns"] == [column] and about["index"] and other != name
    ]
    # A lookup by the reference reads it.
    assert name in _plan(model.objects.filter(**{f"{field}_id": 1}).values("pk"))


@pytest.mark.parametrize(
    ("model", "field", "led_by"),
    [
        (Report, "compartment", "intel_report_comp_visible"),
        (Report, "submitted_by", "intel_report_submitter"),
        (ReportEntity, "report", "intel_report_entity_once"),
        (Link, "compartment", "intel_link_compartment"),
    ],
)
def test_a_reference_a_wider_index_leads_with_has_none_of_its_own(model, field, led_by):
    column = model._meta.get_field(field).column
    indexes = _indexes(model)
    assert indexes[led_by]["columns"][0] == column
    assert [
        name for name, about in indexes.items() if about["index"] and about["columns"] == [column]
    ] == []
    # A lookup by it reads the wider index (SQLite names a unique constraint's index its own
    # way, and says which of its columns the search used).
    plan = _plan(model.objects.filter(**{f"{field}_id": 1}).values("pk"))
    if connection.vendor == "postgresql":
        assert led_by in plan, plan
    else:
        assert "INDEX" in plan and f"({column}=?)" in plan, plan
