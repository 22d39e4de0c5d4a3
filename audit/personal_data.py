"""Which field values enter audit events in clear; a keyed digest stands for every other one.

Oversight reads the log to see who collected, altered and consulted what, and why. It needs the
record and the names of the fields that changed, not the personal data they hold. So field
values recorded in events (``fields`` of a create event and ``changes`` of an update, built by
:func:`audit.services.snapshot` and :func:`audit.services.diff`, whether a service or the safety
net in :mod:`audit.signals` records them) follow one rule, **deny by default**:

A value is kept in clear only when the field is
- the primary key, or a foreign key (the id of the related record, not its content);
- a boolean, or a field with ``choices`` (status codes, kinds, categories, strands);
- a ``DateTimeField``: when something happened or was done (not a date of birth, which is a
  ``DateField`` and so denied unless listed);
- listed for its model in :data:`CLEAR_FIELDS` below: references (URNs, source and incident
  references: references, not personal data), grading and handling codes, review and due dates,
  scores, and the names of reference data (compartments, units, crime types, retention classes).

Every other value (names, dates of birth, descriptions, addresses, coordinates, free text,
identifiers, titles) is replaced by :func:`audit.services.value_digest`: ``"hmac:"`` and the
HMAC-SHA256 of the value's text under ``settings.AUDIT_VALUE_KEY`` (derived from
``SECRET_KEY`` unless set). The digest proves a value later (whoever holds the key computes the
digest of the value in question and compares) without letting a reader of the log recover or
guess it. Empty values (None, "", [] and {}) stay as they are: they hold no personal data.
Fields a model declares ``audit_restricted_fields`` (report text, source identity) are always
digested, and an update names them as "changed" only.

Services that write other details must not put personal values in them; the two such keys
written before this rule (:data:`SERVICE_PERSONAL_KEYS`: an entity's identifiers and the name
of a merged entity) are digested when the event is recorded.

Events recorded before this rule keep their details as stored: they are hashed into the chain
as they are, and rewriting them would break it.
"""

from __future__ import annotations

from django.db import models

# Per model (``app_label.model``): fields, beyond the rule by type, whose values are not
# personal data and help oversight.
CLEAR_FIELDS: dict[str, frozenset[str]] = {
    "accounts.user": frozenset({"username"}),
    "accounts.unit": frozenset({"name", "code"}),
    "accounts.compartment": frozenset({"slug", "name"}),
    "intelligence.report": frozenset(
        {"urn", "source_evaluation", "intelligence_assessment", "handling_code", "review_due"}
    ),
    "intelligence.source": frozenset({"reference"}),
    "intelligence.incident": frozenset({"reference"}),
    "intelligence.crimetype": frozenset({"slug", "name", "description"}),
    "intelligence.retentionclass": frozenset(
        {"code", "name", "description", "review_period_months", "order"}
    ),
    "intelligence.grading": frozenset(
        {
            "old_scheme",
            "old_source_evaluation",
            "old_intelligence_assessment",
            "old_handling_code",
            "new_scheme",
            "new_source_evaluation",
            "new_intelligence_assessment",
            "new_handling_code",
        }
    ),
    "intelligence.review": frozenset({"next_review_due"}),
    "analysis.product": frozenset({"reference", "handling_code", "version"}),
    "tasking.priority": frozenset(
        {"matrix", "score_inputs", "score", "score_band", "confidence", "review_due"}
    ),
    "tasking.requirement": frozenset({"due_date"}),
    "tasking.tasking": frozenset({"due_date"}),
}

# Details keys that services write with personal values, per object type: digested by
# ``audit.services.record``. "kind:value" lists keep the kind in clear.
SERVICE_PERSONAL_KEYS: dict[str, dict[str, str]] = {
    "intelligence.entity": {"identifiers": "kind:value list", "merged_name": "value"},
}

EMPTY_VALUES: tuple[object, ...] = (None, "", [], {})


def clear_in_log(model_label: str, field: models.Field) -> bool:
    """True when ``field``'s value may enter an audit event in clear (see the module's rule)."""
    if field.name in CLEAR_FIELDS.get(model_label, ()):
        return True
    if field.primary_key or field.is_relation:
        return True
    if isinstance(field, models.BooleanField | models.DateTimeField):
        return True
    return bool(field.choices)
