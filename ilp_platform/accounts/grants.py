"""The compartment grant subqueries, written once and reused for every ``visible_to``.

``Compartment.grant_filter(user, path)`` is ``path IN (user's direct grants) OR path IN (the
grants of the user's groups)``: two semi-join subqueries over guardian's direct foreign-key
permission tables, evaluated by the database (no id list travels through Python). PostgreSQL
runs each as a hashed subplan built once per query, which keeps the newest-first index scan of
a list page.

The subqueries used to be built as Django querysets on every call: a few filters, joins and a
compile for each, about a millisecond per ``visible_to``, more than the database needed to run
them. Their SQL depends only on the table names, so it is written here once per process and
vendor; each use only binds the user's id. The SQL is the one the querysets produced, less the
join to ``auth_group`` (the group permission table's foreign key already guarantees the group).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import F
from django.db.models.expressions import Expression

VIEW_CODENAME = "view_compartment"

_SQL: dict[tuple[str, str], str] = {}


def _user_grants_sql(quote, tables: dict[str, str]) -> str:
    return (
        f"SELECT ilp_ug.{quote('content_object_id')} "  # noqa: S608 - names from the models
        f"FROM {quote(tables['user'])} ilp_ug "
        f"INNER JOIN {quote(tables['permission'])} ilp_up "
        f"ON ilp_ug.{quote('permission_id')} = ilp_up.{quote('id')} "
        f"WHERE ilp_ug.{quote('user_id')} = %s AND ilp_up.{quote('codename')} = %s"
    )


def _group_grants_sql(quote, tables: dict[str, str]) -> str:
    return (
        f"SELECT ilp_gg.{quote('content_object_id')} "  # noqa: S608 - names from the models
        f"FROM {quote(tables['group'])} ilp_gg "
        f"INNER JOIN {quote(tables['membership'])} ilp_gm "
        f"ON ilp_gg.{quote('group_id')} = ilp_gm.{quote('group_id')} "
        f"INNER JOIN {quote(tables['permission'])} ilp_gp "
        f"ON ilp_gg.{quote('permission_id')} = ilp_gp.{quote('id')} "
        f"WHERE ilp_gm.{quote('user_id')} = %s AND ilp_gp.{quote('codename')} = %s"
    )


def _tables() -> dict[str, str]:
    # Through the app registry: the models module imports this one.
    user_model = apps.get_model("accounts", "User")
    return {
        "user": apps.get_model("accounts", "CompartmentUserObjectPermission")._meta.db_table,
        "group": apps.get_model("accounts", "CompartmentGroupObjectPermission")._meta.db_table,
        "membership": user_model.groups.through._meta.db_table,
        "permission": apps.get_model("auth", "Permission")._meta.db_table,
    }


def _grants_sql(connection: Any, through: str) -> str:
    key = (connection.vendor, through)
    sql = _SQL.get(key)
    if sql is None:
        build = _user_grants_sql if through == "user" else _group_grants_sql
        sql = _SQL[key] = "(" + build(connection.ops.quote_name, _tables()) + ")"
    return sql


class GrantedTo(Expression):
    """The condition ``path IN (direct grants) OR path IN (group grants)`` for one user.

    One node instead of two ``__in`` lookups on querysets: ``path`` resolves like ``F(path)``
    (joins included), the subqueries are the constant SQL above with the user's id bound.
    """

    conditional = True
    contains_aggregate = False
    contains_over_clause = False

    def __init__(self, path: str | Expression, user_id: Any):
        super().__init__(output_field=models.BooleanField())
        self.target = F(path) if isinstance(path, str) else path
        self.user_id = user_id

    def get_source_expressions(self) -> list:
        return [self.target]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.target,) = exprs

    def get_group_by_cols(self) -> list:
        return []

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        column, column_params = compiler.compile(self.target)
        direct, groups = _grants_sql(connection, "user"), _grants_sql(connection, "group")
        grant = [self.user_id, VIEW_CODENAME]
        return (
            f"({column} IN {direct} OR {column} IN {groups})",
            [*column_params, *grant, *column_params, *grant],
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.target!r}, {self.user_id!r})"

    @property
    def identity(self) -> tuple:
        return (type(self), self.target, self.user_id)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GrantedTo) and self.identity == other.identity

    def __hash__(self) -> int:
        return hash(self.identity)
