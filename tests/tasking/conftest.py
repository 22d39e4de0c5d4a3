import pytest
from django.urls import reverse


@pytest.fixture
def login(client):
    """Log a person in through the browser and state a justification for the session."""

    def _login(user, justification: str = "OP-TEST tasking page test"):
        client.force_login(user)
        if justification:
            client.post(reverse("core:justification"), {"reference": justification, "next": "/"})
        return client

    return _login
