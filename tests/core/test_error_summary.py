"""A form that comes back with errors starts with a summary: nothing was saved, each problem
named and linked to its field, focusable for keyboard and screen-reader users."""

from __future__ import annotations

import re

from django.urls import reverse

from intelligence.models import Report


def test_a_refused_report_form_starts_with_a_linked_summary_of_its_errors(world, login):
    client = login(world.officer)
    response = client.post(
        reverse("intelligence:report_create"),
        {"compartment": world.general.pk, "text": "", "grading_scheme": "3x5x2"},
    )
    assert response.status_code == 200
    assert not Report.objects.exists()
    page = response.content.decode()
    summary = re.search(r'<div class="alert alert-danger form-error-summary".*?</div>', page, re.S)
    assert summary, "no error summary"
    block = summary.group(0)
    assert 'role="alert"' in block and 'tabindex="-1"' in block and "data-error-summary" in block
    errors = response.context["form"].errors
    assert f"correct these {len(errors)} problems" in block
    # Each field in error is linked from the summary to its control, which exists on the page.
    for name in errors:
        field = response.context["form"][name]
        assert f'href="#{field.auto_id}"' in block
        assert f'id="{field.auto_id}"' in page
    # The summary comes before the first field.
    assert page.index("form-error-summary") < page.index('id="id_text"')


def test_a_form_without_errors_has_no_summary(world, login):
    page = login(world.officer).get(reverse("intelligence:report_create")).content.decode()
    assert "form-error-summary" not in page and "data-error-summary" not in page


def test_the_page_script_focuses_the_summary():
    from django.conf import settings

    script = (settings.BASE_DIR / "static" / "js" / "ilp.js").read_text()
    assert "[data-error-summary]" in script and ".focus()" in script
