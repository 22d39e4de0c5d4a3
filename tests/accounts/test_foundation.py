"""Foundation: roles, compartments, login, navigation, health and configuration."""

import subprocess
import sys

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from audit.models import AuditEvent
from ilp_platform.accounts.choices import Role
from ilp_platform.accounts.models import Compartment
from tests.utils.world import PASSWORD

pytestmark = pytest.mark.django_db


def test_every_role_exists_as_a_group_with_permissions():
    for role in Role.values:
        group = Group.objects.get(name=role)
        assert group.permissions.exists(), role


def test_compartments_follow_the_demo_contract(world):
    general = set(Compartment.objects.visible_to(world.officer).values_list("slug", flat=True))
    assert general == {"general"}
    assert set(Compartment.objects.visible_to(world.analyst).values_list("slug", flat=True)) == {
        "general",
        "restricted",
    }
    assert not Compartment.objects.visible_to(world.oversight).exists()
    assert "restricted" not in Compartment.objects.visible_to(world.analyst2).values_list(
        "slug", flat=True
    )


def test_compartment_filter_is_a_subquery_not_an_id_list(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(Compartment.objects.visible_to(world.analyst))


@pytest.mark.parametrize(
    "username", ["officer", "analyst", "analyst2", "manager", "handler", "oversight", "admin"]
)
def test_each_demo_user_logs_in_and_sees_navigation_for_their_role(client, world, username):
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.context["user"].username == username
    labels = {str(item["label"]) for item in response.context["nav_items"]}
    assert "Home" in labels
    if username == "oversight":
        assert "Audit log" in labels
        assert "Reports" not in labels
    if username == "admin":
        assert "Administration" in labels
    if username in ("officer", "analyst", "manager"):
        assert "Audit log" not in labels
        assert "Administration" not in labels
    assert AuditEvent.objects.filter(action="login", actor_username=username).exists()


def test_wrong_credentials_give_one_message_without_saying_which_part(client, world):
    for username, password in (("officer", "wrong"), ("nobody", PASSWORD)):
        response = client.post(
            reverse("accounts:login"), {"username": username, "password": password}
        )
        assert response.status_code == 200
        errors = response.context["form"].non_field_errors()
        assert len(errors) == 1
        assert "correct username and password" in errors[0]
    assert AuditEvent.objects.filter(action="login_failed").count() == 2


def test_unknown_url_is_a_404_page_in_the_layout(client, world, settings):
    settings.DEBUG = False
    client.force_login(world.officer)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"Not found" in response.content
    assert b"navbar" in response.content


def test_healthz_reports_database_and_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] == "ok"


def test_login_page_loads_only_local_assets(client, db):
    body = client.get(reverse("accounts:login")).content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in body
    assert "https://" not in body and "http://" not in body.replace("http://www.w3.org", "")


def test_static_vendor_files_are_present():
    from django.contrib.staticfiles import finders

    for path in (
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap/bootstrap.bundle.min.js",
        "vendor/htmx/htmx.min.js",
    ):
        assert finders.find(path), path


def _run_check(env_overrides):
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = _run_check(
        {
            "ILP_ENV": "production",
            "SECRET_KEY": "k8#Jq2!vX9zLp4@Wm7^Rt1&Yc6*Nb3(Hs5)Df0-Ga8_Ue2+Oi4=Ty7~Ql1",
            "ALLOWED_HOSTS": "ilp.example.org",
            "DATABASE_URL": "postgres://ilp@127.0.0.1:5432/ilp",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"ILP_ENV": "production"}, "SECRET_KEY"),
        ({"ILP_ENV": "staging"}, "ILP_ENV"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"SESSION_IDLE_MINUTES": "thirty"}, "SESSION_IDLE_MINUTES"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ],
)
def test_a_bad_environment_variable_stops_start_up_naming_it(overrides, named):
    result = _run_check(overrides)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert named in lines[0]


def test_healthz_answers_any_host_for_container_probes(client, db, settings):
    settings.ALLOWED_HOSTS = ["ilp.example.org"]
    response = client.get("/healthz", HTTP_HOST="localhost:8000")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
