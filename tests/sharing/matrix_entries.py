"""The sharing app's rows of the access matrix (shapes of ``tests.security.matrix``)."""

from __future__ import annotations

from tests.security import matrix as _matrix
from tests.security.matrix import (
    ANALYSTS,
    MANAGERS,
    NOBODY,
    SIGNED_IN,
    TASKING_READERS,
    Entry,
    api_detail,
    api_list,
    page_list,
)

# Analysts and managers share reports and read shares and the aggregate figures.
SHARERS = frozenset({"analyst", "analyst2", "manager"})
_FORM = {"POST": 200, "PUT": 200}
_NAMES = {"justification": False, "consults": False}


def _share(world, compartment):
    """A report of ``compartment`` shared by the analyst (who holds both) with the national
    unit of the demo levels."""
    from tests.intelligence.helpers import make_report
    from tests.security.matrix import MARKERS, SEARCH_WORD
    from tests.sharing.helpers import build_levels, share

    levels = build_levels(world)
    marker = MARKERS[compartment.slug]
    report = make_report(
        world,
        compartment,
        text=f"Original {marker} {SEARCH_WORD}",
        sanitised=f"Sanitised {marker} {SEARCH_WORD}",
    )
    return share(report, world.analyst, levels.national, risk_assessment=f"Risk {marker}")


def _unit(world, compartment):
    from ilp_platform.accounts.models import Unit

    return Unit.objects.order_by("pk").first()


FACTORIES = {"share": _share, "unit": _unit}
_matrix.UNCOMPARTMENTED.add("unit")

REGISTRY = {
    # --- API ------------------------------------------------------------------------------------
    # Unit names, levels and parents: every signed-in person, no justification (not secret).
    "unit-list": Entry(roles={"GET": SIGNED_IN}, **_NAMES),
    "unit-detail": Entry(record="unit", roles={"GET": SIGNED_IN}, **_NAMES),
    "share-list": api_list("share", SHARERS, create=SHARERS),
    "share-detail": api_detail("share", SHARERS),
    # Counts of the units below the caller's unit; a search event per query.
    "aggregate-list": Entry(roles={"GET": SHARERS}),
    # The control strategy flowing down: priorities issued to the caller's units (tasking
    # readers), the issuing level's counts per unit below, and the managers' decisions.
    "priority-from-above": api_list("priority", TASKING_READERS),
    "priority-below": api_detail("priority", TASKING_READERS),
    "priority-issue": api_detail("priority", NOBODY, write={"POST": MANAGERS}),
    "priority-adopt": api_detail("priority", NOBODY, write={"POST": MANAGERS}),
    "priority-decline": api_detail("priority", NOBODY, write={"POST": MANAGERS}),
    # --- pages ----------------------------------------------------------------------------------
    "sharing:list": page_list("share", SHARERS),
    "sharing:detail": Entry(record="share", roles={"GET": SHARERS}),
    # The dissemination step from a report's page; an empty form is shown again (200).
    "sharing:share_report": Entry(
        record="report", roles=dict.fromkeys(("GET", "POST", "PUT"), SHARERS), ok=_FORM
    ),
    # The same step for a product (analysts and managers read products).
    "sharing:share_product": Entry(
        record="product", roles=dict.fromkeys(("GET", "POST", "PUT"), SHARERS), ok=_FORM
    ),
    # Recording the originator's consent: evaluating analysts.
    "sharing:consent": Entry(
        record="report", roles=dict.fromkeys(("GET", "POST", "PUT"), ANALYSTS), ok=_FORM
    ),
    "sharing:requirements": page_list("requirement", TASKING_READERS),
    "sharing:requirement_accept": Entry(
        record="requirement", roles={"POST": MANAGERS}, ok={"POST": 302}, consults=False
    ),
    "sharing:requirement_issue": Entry(
        record="requirement", roles=dict.fromkeys(("GET", "POST", "PUT"), MANAGERS), ok=_FORM
    ),
    "sharing:requirement_close": Entry(
        record="requirement", roles={"POST": MANAGERS}, ok={"POST": 302}, consults=False
    ),
    # Issuing a priority down (the form, and the progress of the units below); adopting or
    # declining one from above (a refusal is a message on the "From above" page: 302).
    "sharing:priority_issue": Entry(
        record="priority", roles=dict.fromkeys(("GET", "POST", "PUT"), MANAGERS), ok=_FORM
    ),
    "sharing:priority_adopt": Entry(
        record="priority", roles={"POST": MANAGERS}, ok={"POST": 302}, consults=False
    ),
    "sharing:priority_decline": Entry(
        record="priority", roles={"POST": MANAGERS}, ok={"POST": 302}, consults=False
    ),
    "sharing:aggregates": Entry(roles={"GET": SHARERS}),
}
