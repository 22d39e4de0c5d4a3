"""Use cases of data-subject requests: register one, search for the person, decide on each
hit, rectify or erase through the intelligence services, produce the letter, answer.

Every function is an ``@action`` (the officer's permission checked first, one transaction, its
own audit events). Each runs under the request as its purpose (``acting_for``): the events it
writes, and those the intelligence services it calls write, carry ``purpose_type
"subject_request"`` and the request's id, and the request's reference as justification.

Personal values never enter the log in clear: the person's name, other names, date of birth and
identifiers are recorded as digests (``audit.value_digest``), the hits by record type and id.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from ilp_platform.accounts.models import User
from ilp_platform.core import context
from ilp_platform.core.errors import StateConflict
from intelligence.services import entities as entity_services
from intelligence.services import reviews
from subjectrequests import deadlines, selectors
from subjectrequests.choices import Decision, Ground, HitKind, Outcome, RequestKind, RequestStatus
from subjectrequests.models import SubjectHit, SubjectRequest, handles_requests

CHANGE = "subjectrequests.change_subjectrequest"
REQUEST_FIELDS = (
    "kind",
    "subject_name",
    "other_names",
    "date_of_birth",
    "identifiers",
    "details",
    "authority_reference",
    "received_on",
    "identity_method",
    "identity_checked_by",
    "identity_checked_on",
)
REQUIRED = {
    "kind": gettext_lazy("Choose the kind of request."),
    "subject_name": gettext_lazy("Give the person's name."),
    "received_on": gettext_lazy("Give the date the request was received."),
    "identity_method": gettext_lazy("Say how the person's identity was checked."),
    "identity_checked_by": gettext_lazy("Name who checked the person's identity."),
    "identity_checked_on": gettext_lazy("Give the date the identity was checked."),
}


def _officer(actor: User) -> None:
    if not handles_requests(actor):
        raise PermissionDenied(_("Only the data-protection officer handles data-subject requests."))


@contextlib.contextmanager
def acting_for(request: SubjectRequest) -> Iterator[None]:
    """Events written inside carry the request as their purpose and justification."""
    with context.acting(
        justification=_("Data-subject request %(ref)s") % {"ref": request.reference},
        purpose=request.purpose,
    ):
        yield


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _next_reference(year: int) -> str:
    prefix = f"SR-{year}-"
    last = SubjectRequest.objects.filter(reference__startswith=prefix).aggregate(
        top=Max("reference")
    )["top"]
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _check(data: dict) -> None:
    errors: dict[str, list[str]] = {}
    for name, message in REQUIRED.items():
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[name] = [str(message)]
    if data.get("kind") and data["kind"] not in RequestKind.values:
        errors["kind"] = [_("Choose the kind of request from the list.")]
    today = timezone.localdate()
    for name in ("received_on", "identity_checked_on", "date_of_birth"):
        value = data.get(name)
        if value is not None and not isinstance(value, date):
            errors[name] = [_("Give a date.")]
        elif value is not None and value > today:
            errors[name] = [_("This date lies in the future.")]
    if errors:
        raise ValidationError(errors)


def _digests(request: SubjectRequest) -> dict[str, Any]:
    """The person's details as the log may hold them: digests, provable later."""
    return {
        "name": audit.value_digest(request.subject_name),
        "other_names": [audit.value_digest(n) for n in lines(request.other_names)],
        "date_of_birth": audit.value_digest(request.date_of_birth) if request.date_of_birth else "",
        "identifiers": [audit.value_digest(v) for v in lines(request.identifiers)],
    }


@action("subjectrequests.add_subjectrequest")
def register_request(*, actor: User, data: dict) -> SubjectRequest:
    """Register a request; its deadline follows the configured rule from the date received."""
    _officer(actor)
    _check(data)
    request = SubjectRequest(registered_by=actor)
    for name in REQUEST_FIELDS:
        value = data.get(name)
        if isinstance(value, str):
            value = value.strip()
        setattr(request, name, value if value is not None or name == "date_of_birth" else "")
    request.deadline = deadlines.deadline_for(request.received_on)
    request.reference = _next_reference(request.received_on.year)
    request.save()
    with acting_for(request):
        audit.record(
            Action.CREATE,
            obj=request,
            details={
                "kind": request.kind,
                "received_on": request.received_on,
                "deadline": request.deadline,
                "deadline_rule": f"{deadlines.rule().count} {deadlines.rule().unit}",
                "subject": _digests(request),
            },
        )
    return request


def _open(request: SubjectRequest) -> None:
    if not request.is_open:
        raise StateConflict(_("The request has been answered; it changes no more."), "status")


@action(CHANGE)
def run_search(request: SubjectRequest, *, actor: User) -> list[SubjectHit]:
    """The subject search for the request, across every compartment (the exemption documented
    in ``subjectrequests.selectors``). New hits are added; hits found before keep their
    decision, and undecided ones take the fresh snapshot. Audited with the query (digests) and
    the hits (record type and id)."""
    _officer(actor)
    _open(request)
    matches = selectors.find_data_subject(
        name=request.subject_name,
        other_names=lines(request.other_names),
        date_of_birth=request.date_of_birth,
        identifiers=lines(request.identifiers),
    )
    existing = {(h.kind, h.entity_id or h.report_id): h for h in request.hits.all()}
    now = timezone.now()
    hits = []
    for found in matches.all:
        label, snapshot = selectors.snapshot(found)
        key = (found.kind, found.record.pk)
        hit = existing.get(key)
        if hit is None:
            hit = SubjectHit(
                request=request,
                kind=found.kind,
                entity=found.record if found.kind == HitKind.ENTITY else None,
                report=found.record if found.kind == HitKind.REPORT else None,
                found_at=now,
            )
        if not hit.decision or hit.pk is None:
            hit.label, hit.snapshot = label, snapshot
        hit.reasons = found.reasons
        hit.compartment_slug = found.record.compartment.slug
        hit.save()
        hits.append(hit)
    request.searched_at = now
    request.search_capped = matches.capped
    request.save(update_fields=["searched_at", "updated_at"])
    with acting_for(request):
        audit.record(
            Action.SEARCH,
            obj=request,
            details={
                "view": "subject search",
                "query": _digests(request),
                "count": len(hits),
                "capped": matches.capped,
                "hits": {
                    "entities": [f.record.pk for f in matches.entities],
                    "reports": [f.record.pk for f in matches.reports],
                },
                "compartments": sorted({f.record.compartment.slug for f in matches.all}),
            },
        )
    return hits


def _hit(request: SubjectRequest, hit_id: Any) -> SubjectHit:
    try:
        return request.hits.get(pk=int(hit_id))
    except (TypeError, ValueError, SubjectHit.DoesNotExist):
        raise ValidationError({"hit": [_("Choose a hit of this request.")]}) from None


@action(CHANGE)
def decide(
    request: SubjectRequest,
    *,
    actor: User,
    hit: Any,
    decision: str,
    ground: str = "",
    review_on: date | None = None,
    neutral: bool = False,
    note: str = "",
) -> SubjectHit:
    """Disclose a hit, restrict it under an Art. 15(1) ground until a review date, or say it is
    not the person's data. After the answer, only a restriction is decided again: its review
    (kept with a new review date, or lifted)."""
    _officer(actor)
    found = hit if isinstance(hit, SubjectHit) and hit.request_id == request.pk else None
    found = found or _hit(request, hit)
    review = not request.is_open
    if review and found.decision != Decision.RESTRICT:
        _open(request)
    errors: dict[str, list[str]] = {}
    if decision not in Decision.values:
        errors["decision"] = [_("Choose disclose, restrict or not the person's data.")]
    if decision == Decision.RESTRICT:
        if ground not in Ground.values:
            errors["ground"] = [_("A restriction names its ground under Art. 15(1).")]
        if review_on is None:
            errors["review_on"] = [_("A restriction needs the date by which it is reviewed.")]
        elif review_on <= timezone.localdate():
            errors["review_on"] = [_("The review date must lie in the future.")]
    if errors:
        raise ValidationError(errors)
    before = {"decision": found.decision, "ground": found.ground, "review_on": found.review_on}
    restrict = decision == Decision.RESTRICT
    found.decision = decision
    found.ground = ground if restrict else ""
    found.review_on = review_on if restrict else None
    found.neutral = bool(neutral) if restrict else False
    found.note = (note or "").strip()
    found.decided_by = actor
    found.decided_at = timezone.now()
    found.save()
    after = {"decision": found.decision, "ground": found.ground, "review_on": found.review_on}
    with acting_for(request):
        audit.record(
            Action.UPDATE,
            obj=request,
            details={
                "operation": "decision",
                "hit": found.pk,
                "record": f"{found.kind}:{found.entity_id or found.report_id}",
                "changes": audit.diff(audit.jsonable(before), audit.jsonable(after)),
                "neutral": found.neutral,
                "review": review,
            },
        )
    return found


def _acting_on(request: SubjectRequest, hit: SubjectHit, kind: str, wanted: str) -> None:
    _open(request)
    if request.kind != kind:
        raise StateConflict(
            _("Only a request of this kind allows it: %(kind)s.")
            % {"kind": RequestKind(kind).label},
            "kind",
        )
    if hit.kind != wanted:
        raise ValidationError({"hit": [_("This action applies to another kind of record.")]})
    if hit.decision == Decision.NOT_SUBJECT:
        raise ValidationError({"hit": [_("This hit was found not to be the person's data.")]})
    if hit.outcome:
        raise StateConflict(_("This record has already been dealt with."), "hit")


@action(CHANGE)
def rectify(
    request: SubjectRequest, *, actor: User, hit: Any, data: dict, note: str = ""
) -> SubjectHit:
    """Rectification (Art. 16): the entity corrected through the intelligence service that
    corrects entities (its checks and its alteration event), on the request's authority."""
    _officer(actor)
    found = _hit(request, hit.pk if isinstance(hit, SubjectHit) else hit)
    _acting_on(request, found, RequestKind.RECTIFICATION, HitKind.ENTITY)
    changes = {k: v for k, v in data.items() if k in entity_services.ENTITY_FIELDS}
    if not changes:
        raise ValidationError(
            {"name": [_("Give the corrected name, date of birth or description.")]}
        )
    assert found.entity is not None
    # The request is the authority for this change, in place of the analyst's role: the
    # service's body runs as it is (checks, save, alteration event), without its role check.
    correct = inspect.unwrap(entity_services.update_entity)
    with acting_for(request):
        entity = correct(found.entity, actor=actor, data=changes)
    label, snapshot = selectors.snapshot(selectors.Found(HitKind.ENTITY, entity))
    found.label, found.snapshot = label, snapshot
    found.outcome, found.outcome_at = Outcome.RECTIFIED, timezone.now()
    found.note = "\n".join(filter(None, [found.note, (note or "").strip()]))
    found.save()
    with acting_for(request):
        audit.record(
            Action.UPDATE,
            obj=request,
            details={"operation": "rectified", "hit": found.pk, "entity": entity.pk},
        )
    return found


@action(CHANGE)
def erase(request: SubjectRequest, *, actor: User, hit: Any, reason: str) -> SubjectHit:
    """Erasure (Art. 16): the report erased through the intelligence service that erases
    reports, ending in a tombstone (URN, dates, who and why)."""
    _officer(actor)
    found = _hit(request, hit.pk if isinstance(hit, SubjectHit) else hit)
    _acting_on(request, found, RequestKind.ERASURE, HitKind.REPORT)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Record the reason for the erasure.")]})
    assert found.report is not None
    with acting_for(request):
        reviews.erase_report(
            found.report,
            actor=actor,
            reason=_("Data-subject request %(ref)s: %(reason)s")
            % {"ref": request.reference, "reason": reason.strip()},
        )
    found.outcome, found.outcome_at = Outcome.ERASED, timezone.now()
    found.snapshot = {**found.snapshot, "text": "", "place": ""}
    found.save()
    with acting_for(request):
        audit.record(
            Action.UPDATE,
            obj=request,
            details={"operation": "erased", "hit": found.pk, "report": found.report_id},
        )
    return found


def letter_context(request: SubjectRequest) -> dict[str, Any]:
    """What the response letter says: the data disclosed; for restrictions the grounds, unless
    telling would itself harm (then a neutral statement only); what was rectified or erased."""
    hits = list(request.hits.exclude(decision=Decision.NOT_SUBJECT).order_by("kind", "id"))
    disclosed = [h for h in hits if h.decision == Decision.DISCLOSE]
    restricted = [h for h in hits if h.decision == Decision.RESTRICT]
    told = sorted({h.ground for h in restricted if not h.neutral})
    return {
        "request": request,
        "disclosed_entities": [h for h in disclosed if h.kind == HitKind.ENTITY],
        "disclosed_reports": [h for h in disclosed if h.kind == HitKind.REPORT],
        "grounds": [Ground(g).label for g in told],
        "to_authority": request.kind == RequestKind.INDIRECT,
        "restricted": restricted,
        "rectified": [h for h in hits if h.outcome == Outcome.RECTIFIED],
        "erased": [h for h in hits if h.outcome == Outcome.ERASED],
        "undecided": [h for h in request.hits.all() if not h.decision],
        "today": timezone.localdate(),
    }


def record_letter(request: SubjectRequest, context_data: dict[str, Any]) -> None:
    """The letter's production is an export of what it holds (record type and id)."""
    with acting_for(request):
        audit.record(
            Action.EXPORT,
            obj=request,
            details={
                "view": "response letter",
                "format": "pdf",
                "disclosed": [
                    f"{h.kind}:{h.entity_id or h.report_id}"
                    for h in context_data["disclosed_entities"] + context_data["disclosed_reports"]
                ],
                "restricted": [
                    f"{h.kind}:{h.entity_id or h.report_id}" for h in context_data["restricted"]
                ],
                "grounds_told": [h.ground for h in context_data["restricted"] if not h.neutral],
            },
        )


@action(CHANGE)
def answer(request: SubjectRequest, *, actor: User) -> SubjectRequest:
    """The letter sent: every hit decided, the request answered (a disclosure to the person,
    or to the supervisory authority for an indirect request)."""
    _officer(actor)
    _open(request)
    if request.searched_at is None:
        raise StateConflict(_("Search for the person before answering."), "status")
    if request.hits.filter(decision="").exists():
        raise StateConflict(_("Decide on every hit before answering."), "status")
    request.status = RequestStatus.ANSWERED
    request.answered_at = timezone.now()
    request.answered_by = actor
    request.save(update_fields=["status", "answered_at", "answered_by", "updated_at"])
    disclosed = request.hits.filter(decision=Decision.DISCLOSE)
    with acting_for(request):
        audit.record(
            Action.DISCLOSE,
            obj=request,
            recipient=(
                _("Supervisory authority (%(ref)s)") % {"ref": request.authority_reference}
                if request.kind == RequestKind.INDIRECT
                else _("The data subject of %(ref)s") % {"ref": request.reference}
            ),
            details={
                "legal_basis": "LED Art. 14"
                if request.kind != RequestKind.INDIRECT
                else "LED Art. 17",
                "disclosed": [f"{h.kind}:{h.entity_id or h.report_id}" for h in disclosed],
                "late": request.answered_at.date() > request.deadline,
            },
        )
    return request


def due_reviews(today: date | None = None):
    """Restrictions whose review falls due (within the notice period or past)."""
    from datetime import timedelta

    from subjectrequests.models import REVIEW_NOTICE_DAYS

    horizon = (today or timezone.localdate()) + timedelta(days=REVIEW_NOTICE_DAYS)
    return SubjectHit.objects.filter(decision=Decision.RESTRICT, review_on__lte=horizon)
