"""A pseudo-language: every string that goes through gettext comes back between ⟦ and ⟧.

Rendering a page with it active shows at a glance what is translatable: text outside the marks
came from somewhere gettext never saw (a literal in a template or in Python), or from the data
the page shows. :func:`untranslated` tells the two apart by looking the words up among the
database's own text.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from html.parser import HTMLParser

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.translation import trans_real

OPEN, CLOSE = "⟦", "⟧"
_MARKED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
# A word a reader would read as English: three letters or more, standing alone (not inside a
# code such as 3c79dae).
_WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z]{3,}(?![A-Za-z0-9_])")
# A mark cut in two by the code that uses the string (``yesno`` splits "yes,no,maybe").
_CUT = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*$|^[^{OPEN}{CLOSE}]*{CLOSE}")
# Attributes whose text a person reads or hears.
_READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "aria-description")
# Elements whose text is not shown as words (code, data for scripts) and elements whose content
# the page marks with the standard ``translate="no"`` attribute (codes, references, samples).
_SKIPPED_ELEMENTS = {"script", "style", "template", "svg", "code", "pre", "kbd", "samp"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
# Words that are the same in every language the platform offers: names of schemes, formats and
# standards, units, and the platform's own acronyms.
SAME_IN_EVERY_LANGUAGE = {
    "csv",
    "pdf",
    "html",
    "json",
    "api",
    "urn",
    "gdpr",
    "ilp",
    "osce",
    "knox",
    "pestelo",
    "stanag",
    "nato",
    "openapi",
    "utc",
}


class PseudoTranslation(trans_real.DjangoTranslation):
    """English underneath; every looked-up string is returned marked."""

    def gettext(self, message):
        if trans_real.CONTEXT_SEPARATOR in message:
            message = message.split(trans_real.CONTEXT_SEPARATOR, 1)[1]
        return f"{OPEN}{message}{CLOSE}" if message else message

    def ngettext(self, msgid1, msgid2, n):
        return self.gettext(msgid1 if n == 1 else msgid2)


@contextmanager
def pseudo_language():
    """Every language of the platform answers in the pseudo-language while inside."""
    pseudo = PseudoTranslation("en")
    saved = (
        trans_real._translations,
        trans_real._default,
        getattr(trans_real._active, "value", None),
    )
    trans_real._translations = {code: pseudo for code, _name in settings.LANGUAGES}
    trans_real._default = pseudo
    trans_real._active.value = pseudo
    try:
        yield
    finally:
        trans_real._translations, trans_real._default = saved[0], saved[1]
        if saved[2] is None:
            del trans_real._active.value
        else:
            trans_real._active.value = saved[2]


class _Text(HTMLParser):
    """The pieces of a page a person reads: text nodes and read attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._stack: list[tuple[str, bool]] = []

    @property
    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self._stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        skip = tag in _SKIPPED_ELEMENTS or attributes.get("translate") == "no"
        if not skip and not self._skipping:
            for name in _READ_ATTRIBUTES:
                if attributes.get(name):
                    self.pieces.append(attributes[name])
            if tag == "input" and attributes.get("type") in ("submit", "button", "reset"):
                self.pieces.append(attributes.get("value") or "")
        if tag not in _VOID:
            self._stack.append((tag, skip))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self._stack and self._stack[-1][0] == tag:
            self._stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                return

    def handle_data(self, data):
        if data.strip() and not self._skipping:
            self.pieces.append(data)


def data_words() -> set[str]:
    """Every word of every text the database holds (lower case): what a page may show as is."""
    words: set[str] = set()
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                if value:
                    words.update(w.lower() for w in _WORD.findall(str(value)))
    return words


def untranslated(html: str, known: set[str]) -> list[str]:
    """The pieces of ``html`` with words gettext did not give and the data does not hold."""
    parser = _Text()
    parser.feed(html)
    found = []
    for piece in parser.pieces:
        rest = piece
        while True:
            shorter = _MARKED.sub(" ", rest)
            if shorter == rest:
                break
            rest = shorter
        rest = _CUT.sub(" ", rest)
        words = [
            w
            for w in _WORD.findall(rest)
            if w.lower() not in known
            and w.lower() not in SAME_IN_EVERY_LANGUAGE
            and not w.isupper()
        ]
        if words:
            found.append(f"{', '.join(words)}  <-  {' '.join(piece.split())[:200]}")
    return found
