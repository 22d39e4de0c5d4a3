"""Security headers: the Content-Security-Policy and friends, and pages that live within it."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ilp_platform.settings import _tile_origin

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


def test_every_page_carries_a_policy_without_inline_script(client, world):
    client.force_login(world.analyst)
    for url in ("/accounts/login/", "/", "/accounts/security/", "/api/v1/docs/"):
        policy = _policy(client.get(url))
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]
        assert policy["form-action"] == ["'self'"]
        assert policy["img-src"] == ["'self'", "data:"]


def test_frames_sniffing_and_referrers_are_refused(client, db):
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_hsts_is_sent_over_https_when_configured(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_map_tile_server_origin_is_the_only_outside_image_source():
    assert _tile_origin("") == ""
    assert _tile_origin("https://tiles.force.local/osm/{z}/{x}/{y}.png") == (
        "https://tiles.force.local"
    )
    assert _tile_origin("http://{s}.tiles.local:8080/{z}/{x}/{y}.png") == (
        "http://*.tiles.local:8080"
    )
    for bad in ("ftp://tiles.local/{z}", "tiles.local/{z}/{x}/{y}.png"):
        with pytest.raises(ImproperlyConfigured, match="MAP_TILE_URL"):
            _tile_origin(bad)


def test_swagger_ui_loads_its_start_up_script_from_a_url(client, world):
    client.force_login(world.analyst)
    page = client.get("/api/v1/docs/").content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    assert "<style" not in page
    init = re.search(r'<script src="([^"]*script=[^"]*)"', page).group(1).replace("&amp;", "&")
    response = client.get(init)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()


def _templates():
    for folder in (ROOT / "templates", *ROOT.glob("*/templates")):
        for path in folder.rglob("*.html"):
            # PDF templates are rendered to PDF on the server and never reach a browser.
            if "pdf" not in path.relative_to(folder).parts:
                yield path


def test_no_template_has_inline_script_style_or_event_handlers():
    problems = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", text, re.S):
            if "src=" not in attrs and "application/json" not in attrs and body.strip():
                problems.append(f"{path}: inline <script>")
        if re.search(r"<style[\s>]", text):
            problems.append(f"{path}: <style> block")
        if re.search(r"""\sstyle\s*=\s*["']""", text):
            problems.append(f"{path}: style= attribute")
        if re.search(r"""\son[a-z]+\s*=\s*["']""", text):
            problems.append(f"{path}: inline event handler")
        if re.search(r"""(href|src)\s*=\s*["']javascript:""", text, re.I):
            problems.append(f"{path}: javascript: URL")
    assert problems == []


def test_project_scripts_do_not_evaluate_strings():
    for path in (ROOT / "static" / "js").rglob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\beval\(|new Function\(|setTimeout\(\s*['\"]", text), path


def test_htmx_is_told_not_to_inject_its_inline_style(client, world):
    client.force_login(world.analyst)
    page = client.get("/").content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>""" in page
