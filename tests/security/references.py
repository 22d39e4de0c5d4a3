"""Records for the reference-leak test: for every reference the model graph holds, a record A
of ``general`` that refers to a record B of ``restricted`` carrying a unique marker in every
text field.

The pairs come from ``ilp_platform.core.references.reference_pairs()``; only the factories are
written here, one per model (``GENERAL`` for A, ``HIDDEN`` for B). A new reference between
existing models is covered with no change here; a new model fails the test until it has its
factories.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.db import models
from django.utils import timezone

from audit import services as audit
from tests.intelligence.helpers import as_user, make_entity, make_report, make_source

_serial = itertools.count(1)


def _n() -> int:
    return next(_serial)


# --- A: a record of ``general`` ---------------------------------------------------------------


def _general_report(world):
    return make_report(
        world,
        world.general,
        text=f"Original general report {_n()}",
        sanitised=f"Sanitised general report {_n()}",
    )


def _general_entity(world):
    return make_entity(world, world.general, name=f"General Person {_n()}")


def _general_mention(world):
    from intelligence.models import ReportEntity

    report = _general_report(world)
    with audit.service_scope():
        return ReportEntity.objects.create(
            report=report, entity=_general_entity(world), created_by=world.analyst
        )


def _general_suggestion(world):
    from intelligence.models import MentionSuggestion

    report = _general_report(world)
    with audit.service_scope():
        return MentionSuggestion.objects.create(
            report=report,
            kind="person",
            name=f"General Suggested Person {_n()}",
            details="Seen on the corner",
            status="linked",
            created_by=report.submitted_by,
        )


def _general_link(world):
    from intelligence.services.entities import create_link

    with as_user(world.analyst):
        return create_link(
            actor=world.analyst,
            from_entity=_general_entity(world),
            to_entity=_general_entity(world),
            kind="associate",
            strength="confirmed",
            note=f"General link {_n()}",
        )


def _general_product(world):
    from analysis.services.products.workflow import create_product

    with as_user(world.analyst):
        return create_product(
            actor=world.analyst,
            data={
                "kind": "problem_profile",
                "title": f"General profile {_n()}",
                "terms_of_reference": "General terms",
                "compartment": world.general,
            },
        )


def _approved_product(world):
    """A general product approved and disseminated (version 1), for its versions and
    disseminations."""
    from analysis.services.products.citations import cite
    from analysis.services.products.dissemination import disseminate_product
    from analysis.services.products.workflow import approve_product, submit_product

    product = _general_product(world)
    with as_user(world.analyst):
        cite(product, actor=world.analyst, kind="report", target_id=_general_report(world).pk)
        submit_product(product, actor=world.analyst)
    with as_user(world.manager):
        approve_product(product, actor=world.manager)
        disseminate_product(
            product, actor=world.manager, recipient="General partner", legal_basis="DPA 2018 s.35"
        )
    return product


def _general_citation(kind):
    def build(world, hidden):
        """A citation of ``hidden`` in a general product, snapshot and all (the services
        refuse to cite across compartments; this is the record such a citation would be)."""
        from analysis.models import Citation
        from analysis.services.products.citations import (
            entity_snapshot,
            job_snapshot,
            report_snapshot,
        )

        product = _general_product(world)
        if kind == "report":
            snapshot = report_snapshot(hidden)
        elif kind == "entity":
            snapshot = entity_snapshot(hidden)
        else:
            snapshot = job_snapshot(hidden, ["restricted"])
        with audit.service_scope():
            return Citation.objects.create(
                product=product,
                kind=kind,
                **{kind: hidden},
                snapshot=snapshot,
                note="Cited across compartments",
                cited_by=world.analyst,
            )

    return build


def _general_dissemination(world, hidden):
    """A general product's dissemination pointing at a version of a restricted product."""
    product = _approved_product(world)
    dissemination = product.disseminations.get()
    type(dissemination).objects.filter(pk=dissemination.pk).update(version=hidden)
    return dissemination


def _general_meeting(world):
    from tests.tasking.helpers import make_meeting

    return make_meeting(world, world.general, title=f"General meeting {_n()}", open_=True)


def _general_priority(world):
    from tests.tasking.helpers import make_priority

    return make_priority(world, world.general, title=f"General priority {_n()}")


def _general_requirement(world):
    from tests.tasking.helpers import make_requirement

    return make_requirement(world, _general_priority(world), world.general)


def _general_answer(world, hidden):
    from tasking.models import RequirementAnswer

    requirement = _general_requirement(world)
    with audit.service_scope():
        return RequirementAnswer.objects.create(
            requirement=requirement, report=hidden, note="Answers it", linked_by=world.analyst
        )


def _general_operation_watch(world, hidden):
    """analyst2's watch of a restricted operation (stored as if the operation had moved out of
    their reach since): their watches show nothing of it."""
    from notifications.models import Watch

    with audit.service_scope():
        return Watch.objects.create(user=world.analyst2, operation=hidden)


def _general_tasking(world):
    from tests.tasking.helpers import make_tasking

    return make_tasking(world, _general_priority(world), world.general, owner=world.officer)


def _general_decision(subject=None):
    def build(world, hidden=None):
        """A decision of ``general`` at a general meeting; with ``subject``, about ``hidden``
        (its kind set to match, as the database requires)."""
        from tasking.models import Decision

        data = {
            "meeting": _general_meeting(world),
            "decision": f"General decision {_n()}",
            "rationale": "General rationale",
            "decided_by": world.manager,
            "compartment": world.general,
        }
        if subject is not None:
            data.update(subject_kind=subject, **{subject: hidden})
        with audit.service_scope():
            return Decision.objects.create(**data)

    return build


def _general_operation(world):
    from operations.services import open_operation

    with as_user(world.analyst):
        return open_operation(
            actor=world.analyst,
            data={
                "name": f"General operation {_n()}",
                "reference": f"OP-G-{_n()}",
                "objectives": "General objectives",
                "compartment": world.general,
            },
        )


def _general_chart(world):
    """A saved link chart of a general operation. Its one foreign key (the operation) governs
    it, so it makes no cross-compartment pair today; the entities it places are ids in JSON,
    drawn per reader (tests/operations/test_charts.py proves the outsider sees none)."""
    from operations.charts import create_chart

    operation = _general_operation(world)
    with as_user(world.analyst):
        return create_chart(
            actor=world.analyst,
            operation=operation,
            title=f"General chart {_n()}",
            nodes=[{"id": _general_entity(world).pk, "x": 0, "y": 0}],
        )


# Model label -> factory(world) of a general record whose reference the test then points at B.
GENERAL = {
    "operations.operation": _general_operation,
    "operations.chart": _general_chart,
    "intelligence.entity": _general_entity,
    "intelligence.reportentity": _general_mention,
    "intelligence.mentionsuggestion": _general_suggestion,
    "intelligence.link": _general_link,
    "intelligence.report": _general_report,
    "tasking.priority": _general_priority,
    "tasking.requirement": _general_requirement,
    "tasking.tasking": _general_tasking,
    "tasking.decision": _general_decision(),
}

# (model label, field) -> factory(world, B) building A already referring to B, where the
# reference cannot be set afterwards (database constraints, snapshots taken at creation).
GENERAL_WITH = {
    ("analysis.citation", "report"): _general_citation("report"),
    ("analysis.citation", "entity"): _general_citation("entity"),
    ("analysis.citation", "job"): _general_citation("job"),
    ("analysis.dissemination", "version"): _general_dissemination,
    ("tasking.requirementanswer", "report"): _general_answer,
    ("tasking.decision", "priority"): _general_decision("priority"),
    ("tasking.decision", "tasking"): _general_decision("tasking"),
    ("tasking.decision", "product"): _general_decision("product"),
    ("tasking.decision", "requirement"): _general_decision("requirement"),
    ("notifications.watch", "operation"): _general_operation_watch,
}


# --- B: a record of ``restricted`` ------------------------------------------------------------


def _hidden_entity(world, marker):
    return make_entity(
        world,
        world.restricted,
        name=f"{marker} Person",
        identifiers=[{"kind": "phone", "value": f"07700 9{_n():05d}"}],
    )


def _hidden_report(world, marker):
    return make_report(world, world.restricted, text=f"Original {marker}", sanitised=marker)


def _hidden_source(world, marker):
    return make_source(world, world.restricted, reference=marker)


def _hidden_product(world, marker):
    from analysis.services.products.workflow import create_product

    with as_user(world.analyst):
        return create_product(
            actor=world.analyst,
            data={
                "kind": "problem_profile",
                "title": marker,
                "terms_of_reference": marker,
                "compartment": world.restricted,
            },
        )


def _hidden_version(world, marker):
    from tests.security.matrix import _product

    return _product(world, world.restricted).versions.order_by("number").first()


def _hidden_job(world, marker):
    from analysis.models import AnalysisJob
    from tests.security.matrix import _analysis_job

    # One job serves every pair that points at a job (its incident's reference is unique).
    existing = AnalysisJob.objects.filter(compartments__slug="restricted").first()
    return existing or _analysis_job(world, world.restricted)


def _hidden_meeting(world, marker):
    from tests.tasking.helpers import make_meeting

    return make_meeting(world, world.restricted, title=marker, open_=True)


def _hidden_priority(world, marker):
    from tests.tasking.helpers import make_priority

    return make_priority(world, world.restricted, title=marker)


def _hidden_requirement(world, marker):
    from tests.tasking.helpers import make_requirement

    return make_requirement(world, _hidden_priority(world, marker), world.restricted)


def _hidden_tasking(world, marker):
    from tests.tasking.helpers import make_tasking

    return make_tasking(world, _hidden_priority(world, marker), world.restricted)


def _hidden_decision(world, marker):
    from tasking.models import Decision

    with audit.service_scope():
        return Decision.objects.create(
            meeting=_hidden_meeting(world, marker),
            decision=marker,
            rationale=marker,
            decided_by=world.manager,
            compartment=world.restricted,
        )


HIDDEN = {
    "intelligence.entity": _hidden_entity,
    "intelligence.report": _hidden_report,
    "intelligence.source": _hidden_source,
    "analysis.product": _hidden_product,
    "analysis.productversion": _hidden_version,
    "analysis.analysisjob": _hidden_job,
    "tasking.meeting": _hidden_meeting,
    "tasking.priority": _hidden_priority,
    "tasking.requirement": _hidden_requirement,
    "tasking.tasking": _hidden_tasking,
    "tasking.decision": _hidden_decision,
}


def mark(obj, marker: str) -> None:
    """Put ``marker`` at the start of every text field of ``obj`` (and into its JSON fields),
    so any of them shown anywhere is found."""
    values = {}
    for field in obj._meta.concrete_fields:
        if field.choices or field.primary_key or field.is_relation:
            continue
        if isinstance(field, models.CharField | models.TextField):
            if field.max_length is not None and field.max_length < len(marker):
                continue
            old = getattr(obj, field.attname) or ""
            value = f"{marker} {old}".strip()
            values[field.attname] = value[: field.max_length] if field.max_length else value
        elif isinstance(field, models.JSONField):
            old = getattr(obj, field.attname)
            if isinstance(old, dict):
                values[field.attname] = {**old, "marker": marker}
            elif isinstance(old, list):
                values[field.attname] = [*old, marker]
    if values:
        type(obj)._base_manager.filter(pk=obj.pk).update(**values)
        for name, value in values.items():
            setattr(obj, name, value)


def point(world, a, field, b) -> None:
    """Make A's reference ``field`` name B, below the services (as a legacy row, an import or
    a shell would), then let derived text catch up."""
    if field.many_to_many:
        through = field.remote_field.through
        defaults = {
            f.name: world.analyst
            for f in through._meta.concrete_fields
            if f.is_relation and f.related_model is type(world.analyst) and not f.null
        }
        getattr(type(a)._base_manager.get(pk=a.pk), field.name).add(b, through_defaults=defaults)
    else:
        type(a)._base_manager.filter(pk=a.pk).update(**{field.attname: b.pk})
    derive(a)


def derive(a) -> None:
    """Refresh what the platform derives from references (a report's search document)."""
    from intelligence.models import Report, ReportEntity
    from intelligence.services.search import refresh_search_document

    if isinstance(a, ReportEntity):
        refresh_search_document(Report.objects.get(pk=a.report_id))
    elif isinstance(a, Report):
        refresh_search_document(Report.objects.get(pk=a.pk))


def soon(days: int = 7):
    return timezone.localdate() + timedelta(days=days)


# Factories kept beside later apps' own tests (tests/<app>/reference_factories.py).
def _merge_extensions() -> None:
    from tests.security.extensions import merge

    merge(GENERAL, "reference_factories", "GENERAL")
    merge(GENERAL_WITH, "reference_factories", "GENERAL_WITH")
    merge(HIDDEN, "reference_factories", "HIDDEN")


_merge_extensions()
