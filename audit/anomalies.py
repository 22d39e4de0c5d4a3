"""Anomaly flags for oversight, computed from the log with SQL aggregation and pandas.

Counts are aggregated per person per day in the database first; only those small tables are
loaded into pandas, never the events themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pandas as pd
from django.apps import apps
from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone
from django.utils.module_loading import import_string

from audit.choices import CONSULTATION_ACTIONS, Action
from audit.models import Anomaly, AuditEvent

BASELINE_DAYS = 28
VOLUME_FACTOR = 3.0  # flag a day above mean + 3 standard deviations of the person's baseline
VOLUME_MINIMUM = 50  # ... and above this many consultations, so quiet users are not flagged
DENIED_THRESHOLD = 5
# A reference contains a digit or an operation-style word (e.g. "OP-", "CR/123").
_REFERENCE = re.compile(r"\d|\bop(?:eration)?\b", re.IGNORECASE)


def _daily(events, **extra) -> pd.DataFrame:
    rows = (
        events.annotate(day=TruncDate("occurred_at"))
        .values("actor_id", "actor_username", "day")
        .annotate(n=Count("id"), **extra)
        .order_by()
    )
    return pd.DataFrame.from_records(list(rows))


def added_rules() -> list[Callable[[QuerySet[AuditEvent]], int]]:
    """Rules added by apps above the audit layer (audit imports no domain app): an app's config
    lists them in ``anomaly_rules`` as dotted paths, resolved when the check runs (so no process
    loads them, nor pandas, at start-up). Each receives the window's consultations and returns
    how many new flags it raised through :func:`flag`."""
    return [
        import_string(path)
        for config in apps.get_app_configs()
        for path in getattr(config, "anomaly_rules", ())
    ]


def flag(kind, actor_id, username, day, score, summary, count) -> int:
    """Raise (or refresh) one flag: one per kind, person and day; 1 when it is new."""
    _, created = Anomaly.objects.update_or_create(
        kind=kind,
        actor_username=username,
        day=day,
        defaults={
            "actor_id": actor_id,
            "score": float(score),
            "summary": summary[:300],
            "event_count": int(count),
        },
    )
    return int(created)


def detect(now=None, days: int = 1) -> int:
    """Flag the last ``days`` days; returns how many new flags were raised."""
    now = now or timezone.now()
    start = now - timedelta(days=days)
    baseline_start = start - timedelta(days=BASELINE_DAYS)
    consult = AuditEvent.objects.filter(action__in=CONSULTATION_ACTIONS, actor__isnull=False)
    raised = 0
    row: Any  # a row of itertuples(): the frame's columns as attributes

    # 1. Volume against the person's own baseline.
    frame = _daily(consult.filter(occurred_at__gte=baseline_start, occurred_at__lt=now))
    if not frame.empty:
        frame["day"] = pd.to_datetime(frame["day"])
        recent = frame[frame["day"] >= pd.Timestamp(start.date())]
        history = frame[frame["day"] < pd.Timestamp(start.date())]
        stats = history.groupby("actor_id")["n"].agg(["mean", "std"]).fillna(0)
        for row in recent.itertuples():
            mean, std = (
                (stats.loc[row.actor_id, "mean"], stats.loc[row.actor_id, "std"])
                if row.actor_id in stats.index
                else (0.0, 0.0)
            )
            threshold = max(VOLUME_MINIMUM, mean + VOLUME_FACTOR * std)
            if row.n > threshold:
                raised += flag(
                    Anomaly.Kind.VOLUME,
                    row.actor_id,
                    row.actor_username,
                    row.day.date(),
                    row.n / max(mean, 1.0),
                    f"{row.n} consultations against a baseline of {mean:.0f} a day",
                    row.n,
                )

    # 2. Out of hours.
    start_hour, end_hour = settings.ILP["WORKING_HOURS"]
    out = consult.filter(occurred_at__gte=start).annotate(hour=ExtractHour("occurred_at"))
    out = out.filter(Q(hour__lt=start_hour) | Q(hour__gte=end_hour))
    for row in _daily(out).itertuples():
        raised += flag(
            Anomaly.Kind.OUT_OF_HOURS,
            row.actor_id,
            row.actor_username,
            row.day,
            row.n,
            f"{row.n} consultations outside {start_hour:02d}:00-{end_hour:02d}:00",
            row.n,
        )

    # 3. Repeated denied access.
    denied = AuditEvent.objects.filter(
        action=Action.DENIED, occurred_at__gte=start, actor__isnull=False
    )
    for row in _daily(denied).itertuples():
        if row.n >= DENIED_THRESHOLD:
            raised += flag(
                Anomaly.Kind.DENIED,
                row.actor_id,
                row.actor_username,
                row.day,
                row.n,
                f"{row.n} refused attempts",
                row.n,
            )

    # 4. Searches for people with no case reference in the justification.
    person_searches = AuditEvent.objects.filter(
        action=Action.SEARCH,
        object_type="intelligence.entity",
        occurred_at__gte=start,
        actor__isnull=False,
    ).values_list("actor_id", "actor_username", "occurred_at", "justification")
    frame = pd.DataFrame.from_records(
        list(person_searches), columns=["actor_id", "actor_username", "at", "justification"]
    )
    if not frame.empty:
        frame = frame[~frame["justification"].fillna("").str.contains(_REFERENCE)]
        frame["day"] = pd.to_datetime(frame["at"], utc=True).dt.date
        for (actor_id, username, day), group in frame.groupby(
            ["actor_id", "actor_username", "day"]
        ):
            raised += flag(
                Anomaly.Kind.NO_REFERENCE,
                actor_id,
                username,
                day,
                len(group),
                f"{len(group)} searches for people without a case reference",
                len(group),
            )

    # 5. Access to special-category records.
    special = consult.filter(occurred_at__gte=start, details__special_category=True)
    for row in _daily(special).itertuples():
        raised += flag(
            Anomaly.Kind.SPECIAL_CATEGORY,
            row.actor_id,
            row.actor_username,
            row.day,
            row.n,
            f"{row.n} consultations of special-category records",
            row.n,
        )
    # 6. Rules other apps add (the purpose checks of the dataprotection app).
    for rule in added_rules():
        raised += rule(consult.filter(occurred_at__gte=start))
    return raised


# The log holds each run of the check: the console reads when it last ran from there (there is
# no other record of it), and a run someone asked for is answered by the first run after it.
RUN_OBJECT_TYPE = "audit.anomaly"
RUN_REPR = "anomaly check"


def run(days: int = 1) -> dict:
    """Run the check over the last ``days`` days and record the run in the log."""
    from audit import services

    started = timezone.now()
    raised = detect(now=started, days=days)
    finished = timezone.now()
    summary = {
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "days": days,
        "raised": raised,
        "flagged": Anomaly.objects.filter(day__gte=(started - timedelta(days=days)).date()).count(),
    }
    services.record(
        Action.JOB_RUN, object_type=RUN_OBJECT_TYPE, object_repr=RUN_REPR, details=summary
    )
    return summary


def runs():
    """Recorded runs of the check, newest first."""
    return AuditEvent.objects.filter(
        object_type=RUN_OBJECT_TYPE, object_id="", action=Action.JOB_RUN, object_repr=RUN_REPR
    ).order_by("-id")


def last_run() -> dict | None:
    """The latest run (its recorded summary with times parsed), or None when none has run."""
    from django.utils.dateparse import parse_datetime

    event = runs().first()
    if event is None:
        return None
    details = dict(event.details or {})
    for name in ("started_at", "finished_at"):
        details[name] = parse_datetime(details.get(name) or "") or event.occurred_at
    return details
