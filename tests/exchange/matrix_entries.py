"""The exchange app's rows of the access matrix (tests/security/matrix.py).

Administrators keep the keys and the partner register; analysts and managers read the register,
build packages and take packages in. A partner's server pushes to the inbox with no account:
an anonymous body that is no package is refused as unauthenticated (401), and every
signed-in role's empty push is a refused package (400)."""

from __future__ import annotations

import itertools

from tests.security.matrix import (
    ADMINS,
    INTEL_READERS,
    SIGNED_IN,
    UNCOMPARTMENTED,
    Entry,
    api_detail,
    api_list,
    page_list,
)

SENDERS = INTEL_READERS  # analysts and managers
PARTNER_READERS = INTEL_READERS
_FORM = {"POST": 200, "PUT": 200}
_counter = itertools.count(1)


def _partner(world, compartment):
    from tests.exchange.helpers import make_partner

    return make_partner(
        world, name=f"Partner {next(_counter)}", intake=compartment, sendable=[compartment]
    ).partner


def _identity(world, compartment):
    from tests.exchange.helpers import own_keys

    return own_keys()


def _package(world, compartment):
    """A built package of one report of the compartment."""
    from tests.exchange.helpers import built_package

    return built_package(world, compartment)


def _received(world, compartment):
    """A package taken in from a partner whose reports land in the compartment."""
    from tests.exchange.helpers import received_package

    return received_package(world, compartment)


FACTORIES = {
    "exchange_partner": _partner,
    "exchange_identity": _identity,
    "exchange_package": _package,
    "exchange_received": _received,
}
UNCOMPARTMENTED.update({"exchange_partner", "exchange_identity"})

REGISTRY = {
    # --- API ------------------------------------------------------------------------------------
    "exchange-identity-list": api_list("exchange_identity", ADMINS, justification=False),
    "exchange-identity-detail": api_detail("exchange_identity", ADMINS, justification=False),
    "exchange-partner-list": api_list(
        "exchange_partner", PARTNER_READERS, create=ADMINS, justification=False
    ),
    # An empty PATCH changes nothing and is valid.
    "exchange-partner-detail": api_detail(
        "exchange_partner",
        PARTNER_READERS,
        write={"PATCH": ADMINS},
        ok={"PATCH": 200},
        justification=False,
    ),
    "exchange-package-list": api_list("exchange_package", SENDERS, create=SENDERS),
    "exchange-package-detail": api_detail("exchange_package", SENDERS),
    "exchange-package-download": api_detail("exchange_package", SENDERS),
    # The factory's partner has no inbox address: the push is refused beside its field (400).
    "exchange-package-push": api_detail("exchange_package", frozenset(), write={"POST": SENDERS}),
    "exchange-inbox-list": Entry(
        record="exchange_received",
        roles={"GET": SENDERS, "POST": SIGNED_IN},
        lists=True,
        justification=False,
    ),
    "exchange-inbox-detail": api_detail("exchange_received", SENDERS, justification=False),
    # --- Pages ----------------------------------------------------------------------------------
    "exchange:partner_list": Entry(roles={"GET": PARTNER_READERS}, justification=False),
    "exchange:partner_create": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), ADMINS),
        ok=_FORM,
        consults=False,
        justification=False,
    ),
    "exchange:partner_detail": Entry(
        record="exchange_partner", roles={"GET": PARTNER_READERS}, justification=False
    ),
    "exchange:partner_edit": Entry(
        record="exchange_partner",
        roles=dict.fromkeys(("GET", "POST", "PUT"), ADMINS),
        ok=_FORM,
        consults=False,
        justification=False,
    ),
    "exchange:identity": Entry(roles={"GET": ADMINS}, justification=False),
    "exchange:package_list": page_list("exchange_package", SENDERS),
    "exchange:package_create": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), SENDERS), ok=_FORM, consults=False
    ),
    "exchange:package_detail": Entry(record="exchange_package", roles={"GET": SENDERS}),
    "exchange:package_download": Entry(record="exchange_package", roles={"GET": SENDERS}),
    "exchange:package_push": Entry(
        record="exchange_package", roles={"POST": SENDERS}, ok={"POST": 302}, consults=False
    ),
    "exchange:inbox": page_list("exchange_received", SENDERS, justification=False),
    "exchange:inbox_upload": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), SENDERS),
        ok=_FORM,
        consults=False,
        justification=False,
    ),
}
