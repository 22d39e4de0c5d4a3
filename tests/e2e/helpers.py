"""Small helpers the journeys share (kept out of conftest so test modules can import them)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest


def needs(journey: dict, *keys: str) -> list:
    """The values an earlier journey left, or skip this step naming what is missing."""
    missing = [key for key in keys if key not in journey]
    if missing:
        pytest.skip(f"an earlier journey step did not produce {', '.join(missing)}")
    return [journey[key] for key in keys]


TOTP_STEP = 30


def totp_counter(at: float | None = None) -> int:
    """The RFC 6238 time step a code belongs to."""
    return int((time.time() if at is None else at) // TOTP_STEP)


def totp_for(secret_base32: str, at: float | None = None, digits: int = 6) -> str:
    """RFC 6238 time-based one-time password over a base32 secret (what an authenticator shows)."""
    secret = re.sub(r"\s+", "", secret_base32).upper()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", totp_counter(at)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return str(code).zfill(digits)


def pk_from(url: str, prefix: str) -> int:
    """The primary key in a detail page's address, e.g. ``/intelligence/reports/42/``."""
    match = re.search(rf"{re.escape(prefix)}(\d+)/", url)
    assert match, f"no {prefix}<id>/ in {url}"
    return int(match.group(1))


def choose(select, pattern: str) -> str:
    """Select the first option whose text matches ``pattern`` (a regex, case-insensitive);
    returns that option's text."""
    for option in select.locator("option").all():
        text = option.inner_text().strip()
        if re.search(pattern, text, re.I):
            select.select_option(value=option.get_attribute("value"))
            return text
    raise AssertionError(f"no option matching {pattern!r} in {select}")


def shown_date(value, format_name: str = "SHORT_DATE_FORMAT", language: str = "en") -> str:
    """``value`` as the platform prints it in ``language`` (the shared format settings, so the
    journeys follow docs/dates.md whatever shape a language is given)."""
    from django.utils import formats, translation

    with translation.override(language):
        return formats.date_format(value, format_name)


def date_shape(format_name: str = "SHORT_DATETIME_FORMAT", language: str = "en") -> re.Pattern:
    """A pattern for any date printed in ``format_name`` in ``language``."""
    import datetime

    example = shown_date(datetime.datetime(2033, 11, 22, 13, 44), format_name, language)
    return re.compile(re.sub(r"\d+", r"\\d+", re.escape(example)))


def read_shown_date(text: str, language: str = "en"):
    """A date printed in ``language``'s shape, read back with the language's input formats."""
    import datetime

    from django.utils import formats, translation

    with translation.override(language):
        shapes = formats.get_format("DATE_INPUT_FORMATS")
    for shape in shapes:
        try:
            return datetime.datetime.strptime(text.strip(), shape).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is no date in the {language} shape")


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def wide_on_a_phone(someone, pages: dict[str, str]) -> dict[str, int]:
    """Open each page (shot name -> path) at 390 px, answering a justification if asked, and
    take its screenshot; the pages wider than the phone, with their width (sideways scroll)."""
    page = someone.page
    wide = {}
    page.set_viewport_size(PHONE)
    try:
        for shot, path in pages.items():
            someone.goto(path)
            someone.justify()
            someone.settle()
            width = page.evaluate("document.scrollingElement.scrollWidth")
            someone.shot(shot)
            if width > PHONE["width"]:
                wide[path] = width
    finally:
        page.set_viewport_size(DESKTOP)
    return wide
