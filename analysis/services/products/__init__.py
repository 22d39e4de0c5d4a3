"""The actions on analytical products, by topic: one function per use case.

- ``workflow``: create, edit, submit, approve, return and revise a product (the four-eyes
  review and its versions);
- ``citations``: cite a report, an entity or a succeeded analysis, frozen as it is now, and
  remove a citation;
- ``content``: what a product shows (its content, marking and hash, the handling rules it
  must meet);
- ``dissemination``: the approved version to a recipient with a legal basis;
- ``export``: the product as PDF or standalone HTML.

Each action owns its transaction (``audit.actions.action``) and writes its audit event in the
same transaction. Invalid input or an invalid transition raises
``django.core.exceptions.ValidationError`` with messages by field; material outside the
actor's compartments raises ``Http404`` (its existence does not leak).

Audit vocabulary, used consistently:
- creating a product: CREATE; changing it or moving it through the workflow: UPDATE (with
  ``details.transition``); citing material or removing a citation: LINK (combination);
- exporting: EXPORT; disseminating to a recipient: DISCLOSE (through ``record_disclosure``).
"""
