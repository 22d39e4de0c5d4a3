"""PDFs in Russian (issue 21): the minutes rendered in Russian carry Cyrillic text that a PDF
reader extracts as written, in the platform's own vendored fonts (static/vendor/dejavu) rather
than whatever fonts the rendering machine has, with Russian dates (06.12.2032) and every
accent of the six languages."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from ilp_platform.web import pdf
from tests.tasking.helpers import make_meeting

pytestmark = pytest.mark.django_db

TITLE = "Совещание по кражам: Жёлтый район, «Щука» №7"
ACCENTS = "éèêëàâçœîïôùûüÿ äöüß àèéìíòóù áéíóúñü¿¡ ёЁ"


def _text(body: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)


def test_a_russian_pdf_shows_cyrillic_in_the_vendored_fonts(client, login, world, monkeypatch):
    fetched = []
    real_find = finders.find

    def spy(path, *args, **kwargs):
        fetched.append(path)
        return real_find(path, *args, **kwargs)

    monkeypatch.setattr(pdf.finders, "find", spy)
    meeting = make_meeting(
        world, open_=True, title=TITLE, when=datetime(2032, 12, 6, 9, 30, tzinfo=UTC)
    )
    login(world.manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = client.get(reverse("tasking:meeting_minutes", args=[meeting.pk]) + "?as=pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = _text(body)
    assert TITLE in " ".join(text.split()), text[:500]
    assert "06.12.2032" in text  # the Russian date shape, in the PDF too
    # The fonts came from the platform's own files.
    assert (
        "vendor/dejavu/DejaVuSans.ttf" in fetched and "vendor/dejavu/DejaVuSans-Bold.ttf" in fetched
    )
    embedded = set()
    for page in PdfReader(io.BytesIO(body)).pages:
        for ref in page["/Resources"]["/Font"].values():
            embedded.add(str(ref.get_object().get("/BaseFont")))
    # Embedded under the @font-face names (pdf.FONTS), not a system font's.
    assert embedded and all(name.split("+")[-1].startswith("ILP-Sans") for name in embedded), (
        embedded
    )


def test_the_vendored_fonts_cover_the_six_languages():
    folder = Path(settings.BASE_DIR) / "static" / "vendor" / "dejavu"
    russian = "".join(chr(c) for c in range(0x0410, 0x0450)) + "ёЁ№«»"
    for name in set(pdf.FONTS.values()):
        cmap = TTFont(folder / name).getBestCmap()
        missing = [
            c for c in TITLE + ACCENTS + russian + "€–—…·" if c.strip() and ord(c) not in cmap
        ]
        assert not missing, (name, missing)
