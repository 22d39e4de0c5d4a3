"""A product citing an analysis shows its map (an inert image with its key) and its figures in
words, in the page and in the exports; never raw field names."""

import base64

import pytest

from analysis import presentation
from analysis.services.products.citations import cite
from analysis.services.products.export import export_product
from tests.intelligence.helpers import as_user

pytestmark = pytest.mark.django_db

CELLS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[-2.60, 51.45], [-2.59, 51.45], [-2.59, 51.46], [-2.60, 51.46], [-2.60, 51.45]]
                ],
            },
            "properties": {"class": level, "count": 5},
        }
        for level in (3, 0)
    ],
}


def _mapped_job(product_job):
    job = product_job()
    job.result = {
        **job.result,
        "summary": {"cells_with_incidents": 2, "map_truncated": False, "hot_spots_99_9": 1},
        "geojson": CELLS,
    }
    job.save()
    return job


def test_the_map_image_draws_each_cell_in_its_class_colour():
    svg = presentation.map_svg(CELLS, title="Burglary <hot> spots")
    assert svg.count("<polygon") == 2
    assert f'fill="{presentation.HOT[3]}"' in svg and f'fill="{presentation.HOT[0]}"' in svg
    assert "Burglary &lt;hot&gt; spots" in svg  # titles are escaped
    assert presentation.map_svg({"type": "FeatureCollection", "features": []}) is None


def test_a_cited_analysis_shows_its_map_and_figures_in_words(
    world, login, product_draft, product_job
):
    product = product_draft()
    job = _mapped_job(product_job)
    with as_user(world.analyst):
        citation = cite(product, actor=world.analyst, kind="job", target_id=job.pk)
    image = citation.snapshot["map"]["image"]
    svg = base64.b64decode(image.split(",", 1)[1]).decode()
    assert "<polygon" in svg and "<script" not in svg
    page = login(world.analyst).get(product.get_absolute_url()).content.decode()
    assert "Cells with at least one incident" in page and "Map limited to the busiest cells" in page
    assert "cells_with_incidents" not in page and "map_truncated" not in page
    assert "Hot spot, 99.9%" in page and 'class="figure d-block citation-map"' in page
    with as_user(world.analyst):
        data, _name, _mime = export_product(product, actor=world.analyst, fmt="html")
    html = data.decode()
    assert "Cells with at least one incident" in html and "cells_with_incidents" not in html
    assert html.count('src="data:image/svg+xml;base64,') >= 2  # the chart and the map
