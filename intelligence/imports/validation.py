"""One vectorised pass over the whole file that finds every bad row, with its line number.

The file is read with pandas (all columns as text), each rule is a column-wide operation, and
the bad rows of every rule are gathered into one report. No per-row Python runs over the
rows, so a million rows take seconds. Line numbers count the header as line 1 (for a
workbook: the sheet's row number); a cell holding a line break makes its record span lines,
and later line numbers then count records.

Dates: ISO 8601 (``2026-01-31``, ``2026-01-31 14:05``, ``2026-01-31T14:05:00Z``, with an
offset) or day-first ``31/01/2026 14:05``; a time without an offset is local time in
``settings.TIME_ZONE``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from intelligence.choices import IncidentOrigin
from intelligence.imports.choices import ImportMode
from intelligence.models import CrimeType, Incident

MAX_REPORTED = 1000  # bad rows kept on the job (every bad row is counted by reason)
_LOOKUP_BATCH = 900  # references per IN (...) query where arrays are not available (SQLite)
_DAY_FIRST = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")
_REFERENCE_MAX = Incident._meta.get_field("reference").max_length
_ADDRESS_MAX = Incident._meta.get_field("address").max_length
# Distinct unknown crime types looked up for their nearest accepted code (each costs a few
# dozen string comparisons); a file with more than this many gets the plain reason for the rest.
_NEAREST_MAX = 1000
# How alike (difflib's ratio, 0-1) a value must be to an accepted code or name to be offered.
_NEAREST_CUTOFF = 0.6


class FileUnreadable(Exception):
    """The file cannot be parsed as a table (a row with more fields than the header...)."""


@dataclass
class Outcome:
    """The rows ready to load (typed columns) or the report of what is wrong."""

    frame: pd.DataFrame
    total: int
    errors: list[dict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    existing: int = 0
    hints: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.refused == 0 and self.total > 0


def read(path, *, mapping: dict[str, str], delimiter: str) -> pd.DataFrame:
    """The mapped columns as text, renamed to incident fields, with each row's ``line``."""
    wanted = list(dict.fromkeys(mapping.values()))
    try:
        raw = pd.read_csv(
            path,
            sep=delimiter,
            dtype=str,
            usecols=wanted,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
            engine="c",
        )
    except pd.errors.ParserError as exc:
        raise FileUnreadable(
            _("The file cannot be read as a table: %(error)s") % {"error": str(exc).strip()}
        ) from None
    except ValueError as exc:
        raise FileUnreadable(
            _("The file's columns do not match its mapping: %(error)s") % {"error": exc}
        ) from None
    frame = pd.DataFrame({f: raw[c].fillna("") for f, c in mapping.items()})
    frame["line"] = np.arange(2, len(frame) + 2, dtype="int64")
    # Blank lines (and blank rows of a workbook) are not records; only rows without a
    # reference can be blank, so the other columns are looked at for those alone.
    candidates = np.flatnonzero(frame["reference"].str.strip().str.len().eq(0).to_numpy())
    if len(candidates):
        part = frame.iloc[candidates]
        blank = np.logical_and.reduce(
            [part[name].str.strip().str.len().eq(0).to_numpy() for name in mapping]
        )
        frame = frame.drop(index=frame.index[candidates[blank]]).reset_index(drop=True)
    return frame


def _times(values: pd.Series) -> pd.Series:
    """Parse dates and times column-wide; unreadable values become NaT."""
    text = values.str.strip()
    zone = settings.TIME_ZONE
    if zone == "UTC":
        parsed = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    else:
        aware = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
        parsed = pd.to_datetime(text.where(aware), format="ISO8601", utc=True, errors="coerce")
        naive = ~aware & (text.str.len() > 0)
        if naive.any():
            local = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
            parsed[naive] = local.dt.tz_localize(
                zone, ambiguous="NaT", nonexistent="NaT"
            ).dt.tz_convert("UTC")
    parsed = parsed.astype("datetime64[us, UTC]")
    unread = parsed.isna()
    missing = pd.Series(False, index=text.index)
    if unread.any():
        dayfirst = text[unread].str.match(r"^\d{1,2}/\d{1,2}/\d{4}").fillna(False).astype(bool)
        missing[dayfirst.index[dayfirst.to_numpy()]] = True
    for fmt in _DAY_FIRST:
        if not missing.any():
            break
        local = pd.to_datetime(text[missing], format=fmt, errors="coerce")
        if zone == "UTC":
            local = local.dt.tz_localize("UTC")
        else:
            local = local.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
        parsed[missing] = local.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
        missing = parsed.isna() & missing
    return parsed


def _crime_types() -> tuple[dict[str, int], dict[str, str]]:
    """The accepted crime types: ids by lower-case code or name, and codes likewise."""
    ids: dict[str, int] = {}
    codes: dict[str, str] = {}
    for pk, slug, name in CrimeType.objects.filter(is_active=True).values_list(
        "pk", "slug", "name"
    ):
        for key in (slug.lower(), name.lower()):
            ids[key] = pk
            codes[key] = slug
    return ids, codes


def _unknown_crime_type_reason(value: str, codes: dict[str, str]) -> str:
    """Why ``value`` is refused, naming the accepted code whose code or name is nearest."""
    nearest = difflib.get_close_matches(value, list(codes), n=1, cutoff=_NEAREST_CUTOFF)
    if not nearest:
        return _("unknown crime type; no accepted code is close")
    return _('unknown crime type; nearest accepted code: "%(code)s"') % {"code": codes[nearest[0]]}


def _flag_crime_types(report: _Report, frame: pd.DataFrame) -> np.ndarray:
    """Crime type ids of the rows (-1 where unknown); unknown ones flagged with the nearest
    accepted code, grouped by reason so the work grows with the distinct values, not rows."""
    crime_text = frame["crime_type"].str.strip()
    codes, uniques = pd.factorize(crime_text.str.lower())
    ids, accepted = _crime_types()
    ids_of_uniques = np.array([ids.get(u, -1) for u in uniques], dtype="int64")
    crime_type_id = ids_of_uniques[codes] if len(codes) else np.zeros(0, dtype="int64")
    unknown = np.flatnonzero(ids_of_uniques < 0)
    if not len(unknown):
        return crime_type_id
    plain = _("unknown crime type")
    reasons = np.array([plain] * len(uniques), dtype=object)
    for k in unknown[:_NEAREST_MAX]:
        reasons[k] = _unknown_crime_type_reason(str(uniques[k]), accepted)
    row_reasons = reasons[codes]
    bad = crime_type_id < 0
    for reason in dict.fromkeys(reasons[unknown]):
        report.flag(bad & (row_reasons == reason), "crime_type", reason, frame["crime_type"])
    report.hints.append(
        _("Accepted crime type codes (a code or its name): %(codes)s.")
        % {"codes": ", ".join(sorted(set(accepted.values())))}
    )
    return crime_type_id


def _origins(report: _Report, frame: pd.DataFrame) -> pd.Series | None:
    """The origin codes of the rows (a code or its words, any case; blank is unknown), or None
    when the file has no origin column; other values flagged naming the accepted ones."""
    if "origin" not in frame:
        return None
    accepted = {}
    for code, label in IncidentOrigin.choices:
        accepted[code.lower()] = code
        accepted[str(label).lower()] = code
    accepted[""] = IncidentOrigin.UNKNOWN
    text = frame["origin"].str.strip().str.lower()
    codes = text.map(accepted)
    report.flag(
        codes.isna().to_numpy(),
        "origin",
        _("unknown origin; accepted: %(values)s (a code or its words, any case; blank: unknown)")
        % {"values": ", ".join(f'{code} ("{label}")' for code, label in IncidentOrigin.choices)},
        frame["origin"],
    )
    return codes.fillna(IncidentOrigin.UNKNOWN).astype(str)


def existing_references(references: np.ndarray, compartment_id: int) -> set[str]:
    """The references among ``references`` that incidents of the import's compartment (one
    the importer holds) carry already. References are unique within a compartment, so other
    compartments are never looked at: a refusal confirms nothing about them."""
    found: set[str] = set()
    if not len(references):
        return found
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT reference FROM intelligence_incident "
                "WHERE compartment_id = %s AND reference = ANY(%s)",
                [compartment_id, list(references)],
            )
            found.update(row[0] for row in cursor.fetchall())
        else:
            for start in range(0, len(references), _LOOKUP_BATCH):
                batch = list(references[start : start + _LOOKUP_BATCH])
                marks = ",".join(["%s"] * len(batch))
                query = f"SELECT reference FROM intelligence_incident WHERE compartment_id = %s AND reference IN ({marks})"  # noqa: E501, S608 - placeholders only
                cursor.execute(query, [compartment_id, *batch])
                found.update(row[0] for row in cursor.fetchall())
    return found


class _Report:
    def __init__(self, frame: pd.DataFrame):
        self.lines = frame["line"]
        self.parts: list[pd.DataFrame] = []
        self.counts: dict[str, int] = {}
        self.bad = np.zeros(len(frame), dtype=bool)
        self.hints: list[str] = []

    def flag(self, mask, field_name: str, reason: str, values: pd.Series) -> None:
        mask = np.asarray(mask, dtype=bool)
        count = int(mask.sum())
        if not count:
            return
        self.bad |= mask
        self.counts[reason] = self.counts.get(reason, 0) + count
        # Keep only what the report can show: the first rows of each reason.
        chosen = np.flatnonzero(mask)[:MAX_REPORTED]
        self.parts.append(
            pd.DataFrame(
                {
                    "line": self.lines.to_numpy()[chosen],
                    "field": field_name,
                    "reason": reason,
                    "value": values.to_numpy()[chosen],
                }
            )
        )

    def rows(self) -> list[dict]:
        if not self.parts:
            return []
        merged = pd.concat(self.parts, ignore_index=True).sort_values("line", kind="stable")
        merged = merged.head(MAX_REPORTED)
        merged["value"] = merged["value"].astype(str).str.slice(0, 80)
        return [
            {"line": int(line), "field": f, "reason": r, "value": v}
            for line, f, r, v in merged.itertuples(index=False)
        ]


def validate(frame: pd.DataFrame, *, mode: str, compartment_id: int) -> Outcome:
    """Check every row; the typed frame is returned only when no row is bad."""
    report = _Report(frame)
    n = len(frame)
    empty = pd.Series([""] * n, index=frame.index, dtype="str") if n else frame["line"].astype(str)

    reference = frame["reference"].str.strip()
    missing = reference.str.len() == 0
    report.flag(missing, "reference", _("missing reference"), reference)
    report.flag(
        reference.str.len() > _REFERENCE_MAX,
        "reference",
        _("reference longer than %(n)s characters") % {"n": _REFERENCE_MAX},
        reference,
    )
    repeated = reference.duplicated(keep=False) & ~missing
    if repeated.any():
        first = frame["line"].groupby(reference).transform("min")
        later = repeated & (frame["line"] != first)
        report.flag(
            later,
            "reference",
            _("duplicate reference in the file"),
            reference + " (" + _("first on line") + " " + first.astype(str) + ")",
        )

    crime_type_id = _flag_crime_types(report, frame)

    occurred_from = _times(frame["occurred_from"])
    report.flag(
        occurred_from.isna(), "occurred_from", _("bad or missing date"), frame["occurred_from"]
    )
    if "occurred_to" in frame:
        given = frame["occurred_to"].str.strip().str.len() > 0
        occurred_to = _times(frame["occurred_to"])
        report.flag(given & occurred_to.isna(), "occurred_to", _("bad date"), frame["occurred_to"])
        report.flag(
            (occurred_to < occurred_from).fillna(False),
            "occurred_to",
            _("end of the window before its start"),
            frame["occurred_to"],
        )
    else:
        occurred_to = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]")

    coordinates = {}
    for name, limit in (("latitude", 90), ("longitude", 180)):
        number = pd.to_numeric(frame[name], errors="coerce")  # surrounding spaces allowed
        report.flag(
            number.isna(), name, _("%(field)s is not a number") % {"field": name}, frame[name]
        )
        report.flag(
            (number.abs() > limit).fillna(False),
            name,
            _("%(field)s out of range (-%(limit)s to %(limit)s)") % {"field": name, "limit": limit},
            frame[name],
        )
        coordinates[name] = number

    address = frame["address"].str.strip() if "address" in frame else empty
    report.flag(
        address.str.len() > _ADDRESS_MAX,
        "address",
        _("address longer than %(n)s characters") % {"n": _ADDRESS_MAX},
        address.str.slice(0, 40),
    )

    origin = _origins(report, frame)

    existing = 0
    candidates = reference.to_numpy()[~report.bad] if n else np.array([], dtype=object)
    found = existing_references(candidates, compartment_id)
    if found:
        exists = reference.isin(found).to_numpy()
        if mode == ImportMode.INSERT:
            report.flag(exists, "reference", _("an incident with this reference exists"), reference)
        else:
            existing = int(exists.sum())

    outcome = Outcome(
        frame=pd.DataFrame(),
        total=n,
        errors=report.rows(),
        counts=report.counts,
        refused=int(report.bad.sum()),
        existing=existing,
        hints=report.hints,
    )
    if outcome.refused == 0:
        outcome.frame = pd.DataFrame(
            {
                "reference": reference,
                "crime_type_id": crime_type_id,
                "occurred_from": occurred_from,
                "occurred_to": occurred_to,
                "latitude": coordinates["latitude"],
                "longitude": coordinates["longitude"],
                "address": address,
            }
        )
        # Without an origin column, new incidents take the default and an update keeps theirs.
        if origin is not None:
            outcome.frame["origin"] = origin
    return outcome
