"""The scripts' strings are translated (issue 21): Django's JavaScript catalogue is served per
language at /jsi18n/<language>/ (no external fetch, cached), every page loads its own
language's before any script, and the scripts under static/js (not vendor) pass what they
show through gettext/ngettext/interpolate, with a djangojs catalogue for each language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
SCRIPTS = sorted((ROOT / "static" / "js").glob("*.js"))


def test_each_language_has_its_catalogue_and_an_unknown_one_is_not_found(client):
    for code, _name in settings.LANGUAGES:
        response = client.get(reverse("javascript-catalog", args=[code]))
        assert response.status_code == 200, code
        assert response["Content-Type"].startswith("text/javascript")
        assert "max-age=3600" in response["Cache-Control"]
        body = response.content.decode()
        assert "interpolate" in body and "DATE_INPUT_FORMATS" in body
    french = client.get(reverse("javascript-catalog", args=["fr"])).content.decode()
    assert "Tapez pour rechercher" in french and '"FIRST_DAY_OF_WEEK": 1' in french
    russian = client.get(reverse("javascript-catalog", args=["ru"])).content.decode()
    assert "\\u041d\\u0430\\u0447\\u043d\\u0438\\u0442\\u0435" in russian or "Начните" in russian
    assert client.get("/jsi18n/xx/").status_code == 404


def test_pages_load_their_languages_catalogue_before_the_scripts(client, world):
    login_page = client.get(reverse("accounts:login")).content.decode()
    assert login_page.index('src="/jsi18n/en/"') < login_page.index("js/pickers.js")
    client.force_login(world.officer)
    client.post(reverse("set_language"), {"language": "de", "next": "/"})
    home = client.get(reverse("core:home")).content.decode()
    assert 'src="/jsi18n/de/"' in home
    assert home.index('src="/jsi18n/de/"') < home.index("bootstrap.bundle")


# What a script shows a person, written as a bare literal rather than through gettext.
BARE = [
    re.compile(r'\b(?:say|refuse|showHint|alert|confirm)\([^;]*"[^"]*[a-z]{2}[^"]*"\s*[+)]'),
    re.compile(r'setAttribute\("(?:aria-label|placeholder|title)",\s*[^;]*"[^"]*[A-Za-z]{3}'),
    re.compile(r'textContent\s*=\s*"[^"]*[A-Za-z]{3}'),
    re.compile(r'\btitle:\s*"[^"]*[A-Za-z]{3}'),
    re.compile(r'"[^"]*[A-Za-z]{3}[^"]*"\s*\+\s*\w+\s*\+\s*"[^"]*[A-Za-z]{3}'),
]


def test_no_script_shows_an_english_literal_outside_gettext():
    found = []
    for script in SCRIPTS:
        for number, line in enumerate(script.read_text().splitlines(), 1):
            code = line.split("//", 1)[0] if not line.lstrip().startswith("//") else ""
            code = re.sub(r'(?:getAttribute|getElementById|querySelector)\("[^"]*"\)', "", code)
            if "gettext(" in code:
                continue
            found += [f"{script.name}:{number}: {code.strip()}" for p in BARE if p.search(code)]
    assert not found, found


def _entries(po: Path) -> list[str]:
    """The entries of a catalogue, the header left out."""
    blocks = [b for b in po.read_text().split("\n\n") if "msgid" in b]
    return [b for b in blocks if 'msgid ""\nmsgstr ""' not in b or "msgid_plural" in b]


def _empty(entry: str) -> bool:
    """An entry with a translation left empty (singular or any plural form)."""
    return bool(re.search(r'^msgstr(?:\[\d\])? ""$(?!\n")', entry, re.M))


def test_the_djangojs_catalogues_are_complete():
    for code, _name in settings.LANGUAGES:
        folder = ROOT / "locale" / code / "LC_MESSAGES"
        assert (folder / "djangojs.mo").exists(), code
        entries = _entries(folder / "djangojs.po")
        assert len(entries) >= 16, code
        assert not [e for e in entries if "#, fuzzy" in e], code
        if code != "en":  # English shows the source text
            assert not [e for e in entries if _empty(e)], code
