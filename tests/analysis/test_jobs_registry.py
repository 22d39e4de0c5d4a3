"""A kind of analysis is one module: registering it is all the platform needs to offer it in
the browser, accept and validate it in the API, document it in the schema and run it."""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from analysis.kinds import registry
from analysis.kinds.params import INTEGER, Param
from analysis.models import AnalysisJob
from analysis.services import jobs as services
from tests.utils.access import api_client

BUILT_IN = ["hotspot", "temporal", "trend", "near_repeat", "network"]


def _roll(user, params, compartment_ids, progress):
    progress(50, "Rolling")
    return {
        "summary": {"sides": params["sides"]},
        "tables": [{"title": "Sides", "columns": ["sides"], "rows": [[params["sides"]]]}],
    }


@pytest.fixture
def dice():
    """A kind declared the way a module of ``analysis.kinds`` declares one."""
    kind = registry.register(
        registry.Kind(
            name="dice",
            label="Dice (a test kind)",
            description="Rolls one die of the chosen size.",
            params=(
                Param(
                    "sides",
                    label="Sides of the die",
                    type=INTEGER,
                    default=6,
                    minimum=2,
                    maximum=20,
                    help="How many faces the die has.",
                ),
            ),
            run=_roll,
            area=False,
        )
    )
    yield kind
    registry.unregister("dice")


def test_the_built_in_kinds_are_the_modules_of_the_package_in_their_order():
    assert registry.names() == BUILT_IN
    assert [k.name for k in registry.kinds() if k.spatial] == ["hotspot", "near_repeat"]
    assert [k.name for k in registry.kinds() if not k.area] == ["network"]


def test_a_name_is_registered_once():
    with pytest.raises(ValueError):
        registry.register(registry.Kind(name="hotspot", label="x", description="", run=_roll))


def test_the_common_parameters_come_first_then_the_area_then_the_kinds_own():
    names = [p.name for p in services.params_of(registry.get("trend"))]
    assert names == [
        "compartments",
        "crime_types",
        "date_from",
        "date_to",
        "bbox",
        "polygon",
        "period",
        "baseline",
        "alpha",
        "min_count",
        "top_n",
    ]


@pytest.mark.django_db
class TestARegisteredKind:
    def test_it_is_offered_in_the_browser_with_its_parameters_explained(self, world, login, dice):
        client = login(world.analyst)
        chooser = client.get(reverse("analysis:job_create")).content.decode()
        assert "?kind=dice" in chooser and "Rolls one die of the chosen size." in chooser
        page = client.get(reverse("analysis:job_create") + "?kind=dice")
        form = page.context["form"]
        assert set(form.fields) == {
            "title",
            "compartments",
            "crime_types",
            "date_from",
            "date_to",
            "sides",
        }
        assert form.fields["sides"].label == "Sides of the die"
        assert form.fields["sides"].initial == 6
        assert "How many faces the die has." in page.content.decode()
        listing = client.get(reverse("analysis:job_list")).content.decode()
        assert 'value="dice"' in listing

    def test_the_browser_form_requests_it(
        self, world, login, dice, django_capture_on_commit_callbacks
    ):
        client = login(world.analyst)
        url = reverse("analysis:job_create") + "?kind=dice"
        refused = client.post(url, {"sides": "40"})
        assert "sides" in refused.context["form"].errors
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"sides": "12"})
        job = AnalysisJob.objects.get()
        assert response.status_code == 302
        job.refresh_from_db()
        assert job.status == "succeeded", job.message
        assert job.get_kind_display() == "Dice (a test kind)"
        assert job.result["summary"] == {"sides": 12}

    def test_the_api_validates_and_runs_it(self, world, dice, django_capture_on_commit_callbacks):
        client = api_client(world.analyst)
        url = reverse("job-list")
        too_big = client.post(url, {"kind": "dice", "params": {"sides": 40}}, format="json")
        assert too_big.status_code == 400 and "sides" in too_big.json()["params"]
        no_area = client.post(
            url, {"kind": "dice", "params": {"bbox": [0, 0, 1, 1]}}, format="json"
        )
        assert no_area.status_code == 400 and "bbox" in no_area.json()["params"]
        with django_capture_on_commit_callbacks(execute=True):
            created = client.post(url, {"kind": "dice", "params": {"sides": 8}}, format="json")
        assert created.status_code == 201, created.content
        job = client.get(reverse("job-detail", args=[created.json()["id"]])).json()
        assert job["status"] == "succeeded" and job["result"]["summary"] == {"sides": 8}
        assert job["params"]["sides"] == 8
        assert client.get(url, {"kind": "dice"}).json()["results"][0]["kind"] == "dice"

    def test_the_schema_documents_it(self, dice):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        components = schema["components"]["schemas"]
        request = components["JobRequestRequest"]
        assert request["discriminator"]["mapping"]["dice"] == (
            "#/components/schemas/DiceJobRequest"
        )
        assert {"$ref": "#/components/schemas/DiceJobRequest"} in request["oneOf"]
        sides = components["DiceJobParamsRequest"]["properties"]["sides"]
        assert sides["type"] == "integer" and sides["minimum"] == 2 and sides["maximum"] == 20
        assert sides["default"] == 6 and sides["title"] == "Sides of the die"
        assert "bbox" not in components["DiceJobParamsRequest"]["properties"]
        job_params = components["Job"]["properties"]["params"]["anyOf"]
        assert {"$ref": "#/components/schemas/DiceJobParams"} in job_params
        listing = schema["paths"]["/api/v1/jobs/"]["get"]["parameters"]
        kind = next(p for p in listing if p["name"] == "kind")
        assert kind["schema"]["enum"] == sorted([*BUILT_IN, "dice"])


@pytest.mark.django_db
def test_each_built_in_kind_documents_its_own_parameters_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    own = {
        "Hotspot": {"cell_size_m", "bandwidth_m", "kernel", "fdr"},
        "Temporal": set(),
        "Trend": {"period", "baseline", "alpha", "min_count", "top_n"},
        "NearRepeat": {"distance_bands", "time_bands", "iterations", "seed"},
        "Network": {"entities", "hops", "path_from", "path_to", "cooccurrence", "seed"},
    }
    common = {"compartments", "crime_types", "date_from", "date_to"}
    for name, params in own.items():
        body = components[f"{name}JobParamsRequest"]
        area = set() if name == "Network" else {"bbox", "polygon"}
        assert set(body["properties"]) == common | area | params, name
        assert body["additionalProperties"] is False
    assert components["HotspotJobParamsRequest"]["properties"]["cell_size_m"]["maximum"] == 10_000
