"""The address the audit trail records: the proxy's word only behind the proxy, and always an
address the database stores and gives back unchanged, so the event's hash verifies."""

import pytest
from django.test import RequestFactory

from audit.models import AuditEvent
from audit.verification import verify_chain
from ilp_platform.web.middleware import client_ip

PROXY = ("HTTP_X_FORWARDED_PROTO", "https")


def _ip(settings, *, behind_proxy, **meta):
    settings.SECURE_PROXY_SSL_HEADER = PROXY if behind_proxy else None
    return client_ip(RequestFactory().get("/", **meta))


def test_without_the_proxy_the_forwarded_header_is_ignored(settings):
    assert (
        _ip(settings, behind_proxy=False, REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6")
        == "10.1.1.1"
    )


def test_behind_the_proxy_the_address_it_wrote_last_is_recorded_not_the_clients_claim(settings):
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 192.0.2.7"}
    assert _ip(settings, behind_proxy=True, **meta) == "192.0.2.7"


@pytest.mark.parametrize("forwarded", ["garbage", "", " , ", "1.2.3.4.5", "<script>"])
def test_a_forwarded_value_that_is_no_address_falls_back_to_the_connection(settings, forwarded):
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": forwarded}
    assert _ip(settings, behind_proxy=True, **meta) == "127.0.0.1"


@pytest.mark.parametrize(
    ("given", "recorded"),
    [
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("::ffff:192.0.2.9", "192.0.2.9"),
        (" 192.0.2.10 ", "192.0.2.10"),
    ],
)
def test_addresses_are_written_in_the_form_the_database_gives_back(settings, given, recorded):
    assert _ip(settings, behind_proxy=False, REMOTE_ADDR=given) == recorded


@pytest.mark.django_db
def test_requests_from_odd_addresses_are_served_logged_and_still_verify(client, world, settings):
    settings.SECURE_PROXY_SSL_HEADER = PROXY
    client.force_login(world.analyst)
    addresses = ["not-an-ip", "2001:DB8:0:0:0:0:0:2", "::FFFF:192.0.2.11", "fe80::1:0:0:1"]
    for forwarded in addresses:
        response = client.get(
            "/api/v1/reports/",
            HTTP_X_FORWARDED_FOR=forwarded,
            HTTP_X_JUSTIFICATION="OP-TEST address handling",
            HTTP_X_FORWARDED_PROTO="https",
            secure=True,
        )
        assert response.status_code == 200, forwarded
    recorded = set(AuditEvent.objects.values_list("ip", flat=True))
    assert {"2001:db8::2", "192.0.2.11", "fe80::1:0:0:1"} <= recorded
    assert "not-an-ip" not in recorded
    result = verify_chain()
    assert result.ok, result.message
