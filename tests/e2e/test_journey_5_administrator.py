"""Administrator: creates a compartment, grants it to a group, finds the grant in the audit
trail."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import choose

pytestmark = pytest.mark.e2e


def test_administrator_creates_a_compartment_grants_it_to_a_group_and_sees_the_grant_logged(
    person,
):
    admin = person("admin")
    page = admin.page
    admin.shot("admin-01-home")
    admin.nav("Administration")
    admin.confirm_identity()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    admin.shot("admin-02-site-administration", full_page=False)
    admin.assert_accessible("the administration index")

    suffix = time.strftime("%H%M%S")
    name = f"Operation Heron {suffix}"
    page.get_by_role("row", name=re.compile("Compartments")).get_by_role("link", name="Add").click()
    page.wait_for_load_state()
    admin.confirm_identity()
    page.get_by_label(re.compile(r"^Name")).fill(name)
    page.get_by_label(re.compile(r"^Description")).click()  # the slug follows the name
    slug = page.get_by_label(re.compile(r"^Slug")).input_value()
    assert slug == f"operation-heron-{suffix}", f"slug {slug!r} for {name!r}"
    page.locator("#compartmentgroupobjectpermission_set-group .add-row a").click()
    prefix = "compartmentgroupobjectpermission_set-0"
    row = page.locator(f"#{prefix}")
    # The group is an autocomplete: open it, type, pick.
    row.locator(".select2-selection").click()
    page.locator(".select2-search__field").fill("analyst")
    page.locator(".select2-results__option", has_text=re.compile(r"^analyst$")).click()
    choose(page.locator(f"#id_{prefix}-permission"), "view compartment")
    admin.shot("admin-03-compartment-form")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    admin.confirm_identity()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    admin.shot("admin-04-compartment-saved", full_page=False)

    admin.goto("/")
    admin.nav("Audit log")
    form = admin.main.locator("form").first
    form.get_by_label("Action", exact=True).select_option("permission_change")
    form.get_by_label("Compartment", exact=True).fill(slug)
    form.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(rf"compartment={slug}"))  # the list refreshes in place
    admin.settle()
    rows = page.locator("#event-rows tbody tr")
    expect(rows.first).to_contain_text("Permission change")
    expect(rows.first).to_contain_text("admin")
    admin.shot("admin-05-grant-in-the-audit-log", full_page=False)
    admin.assert_accessible("the administrator's audit log")
