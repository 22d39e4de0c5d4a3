"""The sharing app's factories for the reference-leak test (shapes of
``tests.security.references``): a share of ``general`` whose references the test points at
records of ``restricted``."""

from __future__ import annotations


def _general_share(world):
    from tests.intelligence.helpers import make_report
    from tests.sharing.helpers import build_levels, share

    levels = build_levels(world)
    report = make_report(world, world.general, text="General original", sanitised="General text")
    return share(report, world.analyst, levels.national)


def _general_product_share(world, hidden):
    """A share of ``general`` naming a product of ``restricted`` (a share names one record of
    its kind, as the database requires), as a legacy row or a script would make it."""
    from audit.services import service_scope
    from sharing.models import Share
    from tests.sharing.helpers import build_levels

    levels = build_levels(world)
    with service_scope():
        return Share.objects.create(
            kind="product",
            product=hidden,
            compartment=world.general,
            from_unit=levels.intel,
            to_unit=levels.national,
            risk_to_source="low",
            risk_to_operation="none",
            risk_to_person="none",
            legal_basis="DPA 2018 s.35",
            shared_by=world.analyst,
        )


GENERAL = {"sharing.share": _general_share}
GENERAL_WITH = {("sharing.share", "product"): _general_product_share}
HIDDEN: dict = {}
