"""Every page, rendered in a pseudo-language, shows no words that gettext did not give.

Each page route of the URL configuration (``tests/security/routes.py``) is requested, as the
first role the access table lets read it, on a record of the access table's factories, with
every gettext call answering in the pseudo-language of ``tests/i18n/pseudo.py``. Words left
outside the pseudo-language's marks that the database does not hold are strings no translator
will ever see: the test names them, page by page. Forms are also sent empty, so their error
messages are read too.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.i18n.pseudo import data_words, pseudo_language, untranslated
from tests.security import matrix
from tests.security.access import body_of, clients_for, send
from tests.security.routes import discover
from tests.utils.world import build_world

pytestmark = pytest.mark.matrix

# Roles in the order tried: the first the table lets read a page is the one that reads it.
READERS = ("analyst", "manager", "officer", "handler", "oversight", "admin")
PAGES = [
    r for r in discover() if r.kind == "page" and "GET" in r.methods and r.name not in matrix.EXEMPT
] + [r for r in discover() if r.name in ("accounts:login",)]


def _url(route, entry, record) -> str:
    if not route.kwargs:
        return reverse(route.name)
    kwargs = {route.kwargs[0]: getattr(record, entry.lookup)}
    if entry.url_kwargs is not None:
        kwargs.update(entry.url_kwargs(record))
    return reverse(route.name, kwargs=kwargs)


def _is_html(response) -> bool:
    return response.status_code == 200 and response.get("Content-Type", "").startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize("route", PAGES, ids=str)
def test_every_word_of_the_page_is_translatable(route):
    world = build_world()
    entry = matrix.REGISTRY.get(route.name) or matrix.Entry()
    record = None
    if entry.record is not None:
        record = matrix.FACTORIES[entry.record](world, world.general)
    url = _url(route, entry, record)
    roles = [r for r in READERS if matrix.permitted(entry, "GET", r)] or ["anonymous"]
    if route.name == "accounts:login":
        roles = ["anonymous"]
    clients = clients_for(world, roles)
    found: list[str] = []
    read = False
    with pseudo_language():
        for role in roles:
            client = clients[role]["page"]
            response = send(client, "GET", url, entry.query)
            if not _is_html(response):
                continue
            read = True
            pages = [body_of(response)]
            if "POST" in route.methods and matrix.permitted(entry, "POST", role):
                posted = send(client, "POST", url)
                if _is_html(posted):
                    pages.append(body_of(posted))
            known = data_words()
            for page in pages:
                found.extend(untranslated(page, known))
            break
    if not read:
        pytest.skip(f"{route.name}: no role reads it as a page here")
    assert not found, f"{route.name} ({url}) shows text no translator sees:\n" + "\n".join(
        sorted(set(found))
    )
