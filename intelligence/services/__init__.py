"""The actions that change intelligence records, one module per kind of record (as in
``intelligence/models/``): ``reports`` (writing, submitting, evaluating and re-grading),
``reviews`` (retention reviews and erasure), ``sources``, ``entities`` (entities, their links
and merging), ``incidents``, and ``search`` (the search document a report carries).

Each action is one function decorated with ``audit.actions.action``: it owns its transaction,
runs inside ``audit.service_scope()`` and writes its audit event in the same transaction, so a
change and its record stand or fall together. Restricted text (the original report text,
source identities) enters the audit trail by name only.

Invalid input raises ``django.core.exceptions.ValidationError`` with a dict of messages by
field; the forms show them beside the fields and the API answers 400 naming each field.
"""
