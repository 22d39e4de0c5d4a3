"""Use cases of the exchange: the installation's keys, the partner register, building a
package for a partner (a background job), pushing it, and taking in a package received.

Every function writes its audit events in its own transaction: configuration changes for keys
and partners, a disclosure (recipient, legal basis, items) when a package is built, a
collection when one is accepted, and a denied event for every refusal, with its reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.actions import action
from audit.choices import Action, Outcome
from exchange import content, crypto
from exchange import package as pkg
from exchange.models import (
    ExchangePackage,
    InstallationKey,
    Partner,
    ReceivedPackage,
)
from ilp_platform.accounts.models import Compartment, User
from ilp_platform.core import jobs, training
from intelligence import grading

FOLDER = "exchange"
DEFAULT_VALIDITY = dt.timedelta(days=14)
MAX_VALIDITY = dt.timedelta(days=90)
INBOX_ACCOUNT = "exchange-inbox"


# --- The installation's keys -------------------------------------------------------------------


def current_key() -> InstallationKey | None:
    return InstallationKey.objects.current().first()


def own_identity() -> tuple[InstallationKey, crypto.PrivateIdentity]:
    key = current_key()
    if key is None:
        raise ValidationError(
            _(
                "This installation has no exchange keys yet: an administrator runs "
                "“manage.py exchange_keys”."
            )
        )
    return key, crypto.open_private(key.sealed_private)


@action()
def create_keys(*, actor, rotate: bool = False) -> tuple[InstallationKey, bool]:
    """The installation's key pair; an existing one is kept unless ``rotate``. Returns the
    current key and whether it is new."""
    existing = current_key()
    if existing is not None and not rotate:
        return existing, False
    if existing is not None:
        existing.retired_at = timezone.now()
        existing.save(update_fields=["retired_at"])
    identity = crypto.PrivateIdentity.generate()
    key = InstallationKey.objects.create(
        public_key=identity.public.text,
        fingerprint=identity.public.fingerprint,
        sealed_private=crypto.seal_private(identity),
    )
    audit.record(
        Action.CONFIGURATION_CHANGE,
        obj=key,
        object_repr=key.fingerprint,
        actor=actor,
        details={
            "exchange_keys": "rotated" if existing else "created",
            "fingerprint": key.fingerprint,
            "retired": existing.fingerprint if existing else "",
        },
    )
    return key, True


# --- Partners -----------------------------------------------------------------------------------

PARTNER_FIELDS = (
    "name",
    "country",
    "contact",
    "public_key",
    "grading_scheme",
    "handling_codes",
    "sends_entities",
    "intake_compartment",
    "inbox_url",
    "is_active",
)


def _check_partner(data: dict, instance: Partner | None) -> crypto.PublicIdentity | None:
    errors: dict[str, list[str]] = {}
    others = Partner.objects.exclude(pk=instance.pk) if instance else Partner.objects.all()
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Name the partner agency.")]
    elif others.filter(name__iexact=name).exists():
        errors["name"] = [_("Another partner already has this name.")]
    country = (data.get("country") or "").strip()
    if len(country) != 2 or not country.isalpha():
        errors["country"] = [_("Give the country as its two-letter ISO code, for example NL.")]
    if not (data.get("contact") or "").strip():
        errors["contact"] = [_("Give a contact: person, desk, telephone or email.")]
    identity = None
    try:
        identity = crypto.parse_public_key(data.get("public_key") or "")
    except crypto.InvalidKey as exc:
        errors["public_key"] = [str(exc)]
    if identity is not None:
        own = current_key()
        if own is not None and own.fingerprint == identity.fingerprint:
            errors["public_key"] = [_("This is this installation's own key, not a partner's.")]
        elif others.filter(fingerprint=identity.fingerprint).exists():
            errors["public_key"] = [_("Another partner is registered with this key.")]
    scheme = data.get("grading_scheme") or ""
    if scheme not in grading.SCHEMES:
        errors["grading_scheme"] = [
            _("Choose one of %(choices)s.") % {"choices": ", ".join(grading.SCHEMES)}
        ]
    else:
        codes = data.get("handling_codes") or []
        allowed = grading.codes(scheme, grading.HANDLING)
        wrong = [str(c) for c in codes if c not in allowed]
        if not isinstance(codes, list) or wrong:
            errors["handling_codes"] = [
                _("Not handling codes of the %(scheme)s scheme: %(codes)s (use %(allowed)s).")
                % {"scheme": scheme, "codes": ", ".join(wrong), "allowed": ", ".join(allowed)}
            ]
    if data.get("intake_compartment") is None:
        errors["intake_compartment"] = [_("Choose where reports from this partner land.")]
    if errors:
        raise ValidationError(errors)
    return identity


def _partner_fields(partner: Partner) -> dict:
    values = {
        name: getattr(partner, name)
        for name in PARTNER_FIELDS
        if name not in ("intake_compartment", "public_key")
    }
    values["intake_compartment"] = partner.intake_compartment.slug
    values["fingerprint"] = partner.fingerprint
    values["sendable_compartments"] = sorted(c.slug for c in partner.sendable_compartments.all())
    return values


def _apply_partner(partner: Partner, data: dict, identity: crypto.PublicIdentity) -> None:
    for name in PARTNER_FIELDS:
        if name in data:
            value = data[name]
            setattr(partner, name, value.strip() if isinstance(value, str) else value)
    partner.country = partner.country.upper()
    partner.public_key = identity.text
    partner.fingerprint = identity.fingerprint


@action("exchange.add_partner")
def register_partner(*, actor, data: dict) -> Partner:
    identity = _check_partner(data, None)
    assert identity is not None
    partner = Partner()
    _apply_partner(partner, data, identity)
    partner.save()
    if "sendable_compartments" in data:
        partner.sendable_compartments.set(data["sendable_compartments"] or [])
    audit.record(
        Action.CONFIGURATION_CHANGE,
        obj=partner,
        object_repr=partner.name,
        details={"partner": "registered", "fields": _partner_fields(partner)},
    )
    return partner


@action("exchange.change_partner")
def update_partner(partner: Partner, *, actor, data: dict) -> Partner:
    merged = {name: getattr(partner, name) for name in PARTNER_FIELDS}
    merged.update(data)
    identity = _check_partner(merged, partner)
    assert identity is not None
    before = _partner_fields(partner)
    _apply_partner(partner, merged, identity)
    partner.save()
    if "sendable_compartments" in data:
        partner.sendable_compartments.set(data["sendable_compartments"] or [])
    audit.record(
        Action.CONFIGURATION_CHANGE,
        obj=partner,
        object_repr=partner.name,
        details={"partner": "changed", "changes": audit.diff(before, _partner_fields(partner))},
    )
    return partner


# --- Packages: the request, then the job that builds it ------------------------------------


@dataclass
class Selection:
    partner: Partner
    compartment: Compartment
    report_ids: list[int]
    legal_basis: str
    conditions: list[str]
    grading_choices: dict[str, dict[str, str]]
    valid_for: dt.timedelta


def _storage():
    return storages["default"]


@action("exchange.add_exchangepackage")
def request_package(
    *,
    actor,
    partner: Partner,
    reports: Iterable,
    legal_basis: str,
    conditions: Iterable[str] = (),
    grading_choices: dict | None = None,
    valid_days: int | None = None,
    conditions_acknowledged: bool = False,
) -> ExchangePackage:
    """Check a selection for ``partner`` and queue the job that builds the package.

    Everything a sender must decide is checked here, before any work: the handling codes allow
    the dissemination, received items' originators consented, every grade has a faithful
    counterpart in the partner's scheme or the sender chose one (``grading_choices``:
    URN -> axis -> code), conditions were acknowledged. The refusal names each item and why.
    """
    report_ids = sorted({getattr(r, "pk", r) for r in reports})
    selection_errors = content.check_selection(
        actor,
        partner=partner,
        report_ids=report_ids,
        legal_basis=legal_basis,
        conditions=list(conditions),
        grading_choices=grading_choices or {},
        conditions_acknowledged=conditions_acknowledged,
    )
    if selection_errors.errors:
        audit.record(
            Action.DISCLOSE,
            object_type="exchange.exchangepackage",
            object_repr=partner.name,
            recipient=partner.name[:300],
            outcome=Outcome.DENIED,
            details={
                "refused": selection_errors.errors,
                "legal_basis": legal_basis,
                "reports": selection_errors.urns,
            },
        )
        raise ValidationError(selection_errors.errors)
    days = valid_days or DEFAULT_VALIDITY.days
    if not 1 <= days <= MAX_VALIDITY.days:
        raise ValidationError(
            {"valid_days": [_("Between 1 and %(max)s days.") % {"max": MAX_VALIDITY.days}]}
        )
    own_identity()  # refuse early when this installation has no keys
    package = ExchangePackage.objects.create(
        partner=partner,
        compartment=selection_errors.compartment,
        legal_basis=legal_basis.strip(),
        expires_at=timezone.now() + dt.timedelta(days=days),
        requested_by=actor,
        **jobs.requested_under(),
        params={
            "reports": report_ids,
            "conditions": sorted(set(conditions)),
            "grading_choices": grading_choices or {},
            "conditions_acknowledged": conditions_acknowledged,
        },
    )
    audit.record(
        Action.CREATE,
        obj=package,
        object_repr=str(package.package_id),
        recipient=partner.name[:300],
        details={
            "reports": len(report_ids),
            "partner": partner.name,
            "legal_basis": package.legal_basis,
        },
    )
    jobs.enqueue(package)
    return package


@content.collector_paused()
def build_package(job: ExchangePackage, progress) -> dict:
    """The job's work: gather the items as the requester sees them now, write the document,
    sign and seal it, keep the file; the disclosure is recorded when the job succeeds."""
    actor = job.requested_by
    key, own = own_identity()
    partner = job.partner
    try:
        recipient = crypto.parse_public_key(partner.public_key)
    except crypto.InvalidKey as exc:
        raise jobs.JobError(str(exc)) from None
    params = job.params
    check = content.check_selection(
        actor,
        partner=partner,
        report_ids=params["reports"],
        legal_basis=job.legal_basis,
        conditions=params.get("conditions", []),
        grading_choices=params.get("grading_choices", {}),
        conditions_acknowledged=params.get("conditions_acknowledged", False),
    )
    if check.errors:
        raise jobs.JobError(
            _("The selection no longer passes its checks: %(errors)s")
            % {"errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in check.errors.items())}
        )
    progress(10, _("Gathering reports, entities and links"))
    head = pkg.header(
        package_id=job.package_id,
        sender=key.fingerprint,
        recipient=recipient.fingerprint,
        created_at=job.created_at,
        expires_at=job.expires_at,
    )
    document = content.build_document(actor, job, head, check)
    if training.is_training():
        # Signed with the rest: a real installation refuses the package (``receive``).
        document["training"] = True
    progress(60, _("Signing and sealing"))
    sealed = pkg.seal(document, signer=own, recipient=recipient)
    stored_name = f"{job.package_id}.json"
    name = f"{FOLDER}/{stored_name}"
    if _storage().exists(name):
        _storage().delete(name)
    _storage().save(name, ContentFile(sealed))
    progress(95)
    counts = {
        "reports": len(document["reports"]),
        "entities": len(document["entities"]),
        "links": len(document["links"]),
    }
    ExchangePackage.objects.filter(pk=job.pk).update(
        stored_name=stored_name,
        file_size=len(sealed),
        file_sha256=hashlib.sha256(sealed).hexdigest(),
        report_count=counts["reports"],
        entity_count=counts["entities"],
        link_count=counts["links"],
    )
    return {
        **counts,
        "urns": [item["reference"] for item in document["reports"]],
        "size": len(sealed),
    }


def package_built(job: ExchangePackage, result: dict) -> None:
    """Disclosure at the sender: recipient, legal basis and items, once the package exists."""
    audit.record(
        Action.DISCLOSE,
        obj=job,
        object_repr=str(job.package_id),
        recipient=job.partner.name[:300],
        details={
            "legal_basis": job.legal_basis,
            "partner_fingerprint": job.partner.fingerprint,
            "package_id": str(job.package_id),
            "reports": result.get("urns", []),
            "entities": result.get("entities", 0),
            "links": result.get("links", 0),
            "conditions": job.params.get("conditions", []),
            "expires_at": pkg.timestamp(job.expires_at),
        },
    )


def package_failed(job: ExchangePackage, message: str) -> None:
    audit.record(
        Action.JOB_RUN,
        obj=job,
        object_repr=str(job.package_id),
        outcome=Outcome.FAILURE,
        details={"message": message},
    )


def package_bytes(package: ExchangePackage) -> bytes:
    if not package.stored_name:
        raise ValidationError(_("The package is not built yet."))
    with _storage().open(f"{FOLDER}/{package.stored_name}", "rb") as handle:
        return handle.read()


@action("exchange.view_exchangepackage")
def download(package: ExchangePackage, *, actor) -> bytes:
    data = package_bytes(package)
    audit.record(
        Action.EXPORT,
        obj=package,
        object_repr=str(package.package_id),
        recipient=package.partner.name[:300],
        details={"download": True, "sha256": package.file_sha256},
    )
    return data


def push(package: ExchangePackage, *, actor, timeout: float = 30) -> str:
    """Send the package to the partner's inbox address; returns the partner's answer."""
    if not actor.has_perm("exchange.add_exchangepackage"):
        raise PermissionDenied(_("Your role does not allow this action."))
    if not package.partner.inbox_url:
        raise ValidationError(
            {"partner": [_("The partner has no inbox address: send the package as a file.")]}
        )
    data = package_bytes(package)
    request = urllib.request.Request(  # noqa: S310 - an administrator-registered https/http URL
        package.partner.inbox_url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer = response.read().decode("utf-8", "replace")
            ok = True
    except urllib.error.HTTPError as exc:
        answer = exc.read().decode("utf-8", "replace")
        ok = False
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        answer = str(exc)
        ok = False
    with transaction.atomic(), audit.service_scope():
        ExchangePackage.objects.filter(pk=package.pk).update(
            pushed_at=timezone.now() if ok else None, push_message=answer[:2000]
        )
        audit.record(
            Action.EXPORT,
            obj=package,
            object_repr=str(package.package_id),
            recipient=package.partner.name[:300],
            outcome=Outcome.SUCCESS if ok else Outcome.FAILURE,
            details={"push": package.partner.inbox_url, "answer": answer[:500]},
        )
    if not ok:
        raise ValidationError(
            {
                "partner": [
                    _("The partner's inbox refused or did not answer: %(answer)s")
                    % {"answer": answer[:500]}
                ]
            }
        )
    return answer


# --- Receiving ------------------------------------------------------------------------------


def inbox_account() -> User:
    """The account received reports are filed under when no person took them in (a push):
    it cannot sign in."""
    user, created = User.objects.get_or_create(
        username=INBOX_ACCOUNT,
        defaults={"is_active": False, "first_name": "Partner", "last_name": "exchange inbox"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _refuse(exc: pkg.Refused, *, channel: str, actor, partner: Partner | None) -> None:
    # Bounded and storable: the header comes from whoever posted the package (read_envelope
    # caps it and refuses NUL in it too; this keeps the trail small and the event storable
    # whatever a later check puts in a message).
    package_id = pkg.storable_text(str(exc.header.get("package_id") or ""))
    audit.record(
        Action.CREATE,
        object_type="exchange.receivedpackage",
        object_id="",
        object_repr=package_id[: pkg.MAX_HEADER_FIELD],
        outcome=Outcome.DENIED,
        recipient="",
        actor=actor,
        details={
            "refused": exc.code,
            "reason": pkg.storable_text(exc.message[:500]),
            "channel": channel,
            "package_id": package_id[: pkg.MAX_HEADER_FIELD],
            "sender": pkg.storable_text(str(exc.header.get("sender") or "")[:128]),
            "partner": partner.name if partner else "",
        },
    )


@content.collector_paused()
def receive(raw: bytes, *, channel: str, actor=None) -> ReceivedPackage:
    """Take in a package: every check first (``package.Refused`` with a clear message, the
    refusal audited, nothing stored), then the reports land in the partner's intake
    compartment as received intelligence with provenance, in one transaction."""
    partner = None
    signed = False  # the signature verified: a refusal from here on is a registered partner's
    try:
        head = pkg.read_envelope(raw)
        public = {key: head[key] for key in pkg.HEADER_FIELDS}
        key = current_key()
        if key is None:
            raise pkg.Refused(
                "no_keys", _("This installation has no exchange keys yet."), header=public
            )
        if crypto.normalise_fingerprint(str(head["recipient"])) != key.fingerprint:
            raise pkg.Refused(
                "not_addressed",
                _("The package is sealed to another key, not to this installation (%(own)s).")
                % {"own": key.fingerprint},
                header=public,
            )
        partner = (
            Partner.objects.filter(
                fingerprint=crypto.normalise_fingerprint(str(head["sender"])), is_active=True
            )
            .select_related("intake_compartment")
            .first()
        )
        if partner is None:
            raise pkg.Refused(
                "unknown_sender",
                _("The sender %(sender)s is not a registered partner of this installation.")
                % {"sender": crypto.normalise_fingerprint(str(head["sender"]))},
                header=public,
            )
        sender = crypto.parse_public_key(partner.public_key)
        document = pkg.open_sealed(head, own=crypto.open_private(key.sealed_private), sender=sender)
        signed = True
        if document.get("training") is True and not training.is_training():
            raise pkg.Refused(
                "training_package",
                _(
                    "The package comes from a training installation (marked TRAINING): its "
                    "data is fictional and is never taken in as real intelligence."
                ),
                header=public,
                signed=True,
            )
        pkg.check_times(head)
        content.check_document(document)
        if ReceivedPackage.objects.filter(package_id=head["package_id"]).exists():
            raise pkg.Refused(
                "replayed",
                _("Package %(id)s was already received: a package is taken in once.")
                % {"id": head["package_id"]},
                header=public,
            )
        if (
            actor is not None
            and not Compartment.objects.visible_to(actor)
            .filter(pk=partner.intake_compartment_id)
            .exists()
        ):
            raise pkg.Refused(
                "intake_not_held",
                _(
                    "You do not hold the compartment this partner's reports land in; ask "
                    "someone who does to take the package in."
                ),
                header=public,
            )
        try:
            with transaction.atomic():
                return content.take_in(
                    document,
                    partner=partner,
                    channel=channel,
                    actor=actor,
                    submitter=actor or inbox_account(),
                )
        except IntegrityError:
            # The same package arriving twice at once: the second meets the first's id.
            if ReceivedPackage.objects.filter(package_id=head["package_id"]).exists():
                raise pkg.Refused(
                    "replayed",
                    _("Package %(id)s was already received: a package is taken in once.")
                    % {"id": head["package_id"]},
                    header=public,
                ) from None
            raise
    except pkg.Refused as exc:
        exc.signed = exc.signed or signed
        with transaction.atomic():
            _refuse(exc, channel=channel, actor=actor, partner=partner)
        raise
