import pytest
from django.urls import reverse

from tests.utils.storage import shared_storage  # noqa: F401 (a fixture: each storage backend)


@pytest.fixture
def login(client):
    """Log a person in through the browser and state a justification for the session."""

    def _login(user, justification: str = "OP-TEST page test"):
        client.force_login(user)
        if justification:
            client.post(reverse("core:justification"), {"reference": justification, "next": "/"})
        return client

    return _login
