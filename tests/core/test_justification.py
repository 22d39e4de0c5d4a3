"""The browser asks for a justification once and remembers it for a bounded time."""

import pytest
from django.urls import reverse

from ilp_platform.web.justification import SESSION_KEY, session_justification

pytestmark = pytest.mark.django_db


def test_a_stated_justification_is_remembered_and_the_person_sent_on(client, world):
    client.force_login(world.analyst)
    response = client.post(
        reverse("core:justification"),
        {"reference": "OP-HAWK", "purpose": "linked burglaries", "next": "/intelligence/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/intelligence/"
    assert client.session[SESSION_KEY]["text"] == "OP-HAWK - linked burglaries"


def test_an_empty_justification_is_refused_with_a_message(client, world):
    client.force_login(world.analyst)
    response = client.post(reverse("core:justification"), {"reference": " ", "purpose": ""})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert SESSION_KEY not in client.session


def test_an_outside_next_url_is_not_followed(client, world):
    client.force_login(world.analyst)
    response = client.post(
        reverse("core:justification"), {"reference": "CR/1", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_a_justification_expires(rf, world, settings):
    from datetime import timedelta

    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/")
    request.session = SessionStore()
    request.session[SESSION_KEY] = {"text": "OP-OLD", "expires": 0}
    assert session_justification(request) == ""
    settings.ILP = {**settings.ILP, "JUSTIFICATION_TTL": timedelta(minutes=5)}
    from ilp_platform.web.justification import remember_justification

    remember_justification(request, "OP-NEW")
    assert session_justification(request) == "OP-NEW"


def test_api_docs_and_schema_are_served_locally(client, world):
    client.force_login(world.analyst)
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    docs = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in docs.lower()
    assert "cdn" not in docs.lower() and "https://" not in docs


def test_token_endpoint_issues_a_token(client, world):
    from tests.utils.world import PASSWORD

    response = client.post(
        "/api/v1/auth/token/",
        {"username": "analyst", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.json()["username"] == "analyst"
    assert sorted(me.json()["compartments"]) == ["general", "restricted"]
