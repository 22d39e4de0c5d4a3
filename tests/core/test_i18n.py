"""The interface speaks the chosen language; English is the default and French is partial."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_home_page_is_in_english_by_default(client, world):
    client.force_login(world.officer)
    page = client.get(reverse("core:home")).content.decode()
    assert "What needs you today" in page
    assert 'lang="en"' in page


def test_switching_to_french_translates_the_layout_and_persists(client, world):
    client.force_login(world.officer)
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("core:home")).content.decode()
    assert 'lang="fr"' in page
    assert "Ce qui vous attend aujourd&#x27;hui" in page or "Ce qui vous attend aujourd'hui" in page
    assert "Saisir un renseignement" in page  # the navigation


def test_an_unknown_language_is_ignored(client, world):
    client.force_login(world.officer)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    page = client.get(reverse("core:home")).content.decode()
    assert 'lang="en"' in page
