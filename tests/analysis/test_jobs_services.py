"""Analysis jobs through the service: validation, the result contract, compartments, audit."""

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from analysis.models import AnalysisJob
from analysis.services.jobs import clean_params, request_job
from audit.models import AuditEvent

CENTRE = (51.455, -2.59)


def _scatter(n, seed=1, centre=CENTRE, spread=0.02, days=120, **extra):
    rng = random.Random(seed)
    now = timezone.now()
    return [
        {
            "lat": centre[0] + rng.uniform(-spread, spread),
            "lon": centre[1] + rng.uniform(-spread, spread),
            "at": now - dt.timedelta(days=rng.uniform(0, days)),
            **extra,
        }
        for _ in range(n)
    ]


RESULT_KEYS = {"summary", "tables", "charts", "geojson", "network", "method", "params"}


def _check_contract(result):
    assert set(result) == RESULT_KEYS
    for table in result["tables"]:
        assert set(table) == {"title", "columns", "rows"}
        assert all(len(row) == len(table["columns"]) for row in table["rows"])
    for chart in result["charts"]:
        assert set(chart) == {"title", "svg"} and chart["svg"].startswith("<svg")


@pytest.mark.django_db
class TestHotspotJob:
    def test_a_hotspot_job_counts_every_visible_incident_and_finds_the_planted_cluster(
        self, world, job_incidents, job_run
    ):
        job_incidents(_scatter(300))
        job_incidents(_scatter(120, seed=2, centre=(51.46, -2.58), spread=0.0015))
        job = job_run(world.analyst, "hotspot", {"cell_size_m": 200, "bandwidth_m": 400})
        assert job.status == "succeeded", job.message
        assert job.progress == 100
        result = job.result
        _check_contract(result)
        assert result["summary"]["incidents"] == 420
        features = result["geojson"]["features"]
        assert sum(f["properties"]["count"] for f in features) == 420
        top = result["tables"][0]["rows"][0]
        assert abs(top[1] - 51.46) < 0.004 and abs(top[2] + 2.58) < 0.004
        assert "99.9" in top[6]
        assert result["summary"]["hot_spots_99_9"] >= 1
        assert result["params"]["cell_size_m"] == 200

    def test_a_polygon_limits_the_incidents_and_the_study_area(self, world, job_incidents, job_run):
        job_incidents(_scatter(200))
        lat, lon = CENTRE
        square = [
            [lon - 0.01, lat - 0.01],
            [lon + 0.01, lat - 0.01],
            [lon + 0.01, lat + 0.01],
            [lon - 0.01, lat + 0.01],
        ]
        job = job_run(world.analyst, "hotspot", {"polygon": [square], "cell_size_m": 250})
        assert job.status == "succeeded", job.message
        inside = job.result["summary"]["incidents"]
        assert 0 < inside < 200
        assert job.result["params"]["polygon"][0][0] == job.result["params"]["polygon"][0][-1]


@pytest.mark.django_db
class TestCompartments:
    def test_a_job_reads_only_the_compartments_chosen_and_records_them(
        self, world, job_incidents, job_run
    ):
        job_incidents(_scatter(50))
        job_incidents(_scatter(30, seed=3, compartment=world.restricted))
        everything = job_run(world.analyst, "temporal")
        assert everything.result["summary"]["incidents"] == 80
        assert set(everything.compartments.values_list("slug", flat=True)) == {
            "general",
            "restricted",
        }
        general = job_run(world.analyst, "temporal", {"compartments": ["general"]})
        assert general.result["summary"]["incidents"] == 50
        assert list(general.compartments.values_list("slug", flat=True)) == ["general"]
        # analyst2 lacks 'restricted': sees the general job, never the one that read restricted.
        visible = set(AnalysisJob.objects.visible_to(world.analyst2).values_list("pk", flat=True))
        assert general.pk in visible and everything.pk not in visible

    def test_a_user_sees_only_own_holdings_by_default(self, world, job_incidents, job_run):
        job_incidents(_scatter(40))
        job_incidents(_scatter(25, seed=3, compartment=world.restricted))
        job = job_run(world.analyst2, "trend")
        assert job.status == "succeeded", job.message
        assert job.result["summary"]["incidents"] == 40
        assert job.result["params"]["compartments"] == ["general"]

    def test_a_compartment_the_user_does_not_hold_is_refused_like_an_unknown_one(self, world):
        with pytest.raises(ValidationError) as caught:
            clean_params(world.analyst2, "hotspot", {"compartments": ["restricted"]})
        assert "compartments" in caught.value.message_dict
        with pytest.raises(ValidationError) as unknown:
            clean_params(world.analyst2, "hotspot", {"compartments": ["nowhere"]})
        assert caught.value.message_dict["compartments"][0].replace(
            "restricted", "X"
        ) == unknown.value.message_dict["compartments"][0].replace("nowhere", "X")


@pytest.mark.django_db
class TestValidation:
    @pytest.mark.parametrize(
        ("kind", "params", "field"),
        [
            ("hotspot", {"cell_size_m": "big"}, "cell_size_m"),
            ("hotspot", {"cell_size_m": 5}, "cell_size_m"),
            ("hotspot", {"bbox": [1, 2, 3]}, "bbox"),
            ("hotspot", {"bbox": [-2.5, 51.5, -2.6, 51.4]}, "bbox"),
            ("hotspot", {"bbox": [-3, 51, -2, 52], "cell_size_m": 25}, "cell_size_m"),
            ("hotspot", {"kernel": "box"}, "kernel"),
            ("hotspot", {"polygon": [[[0, 0], [1, 1]]]}, "polygon"),
            ("hotspot", {"crime_types": ["burglary", "piracy"]}, "crime_types"),
            ("temporal", {"date_from": "2026-13-01"}, "date_from"),
            ("temporal", {"date_from": "2026-05-01", "date_to": "2026-04-01"}, "date_to"),
            ("temporal", {"cell_size_m": 100}, "cell_size_m"),
            ("trend", {"period": "fortnight"}, "period"),
            ("near_repeat", {"distance_bands": [200, 100]}, "distance_bands"),
            ("near_repeat", {"time_bands": "a,b"}, "time_bands"),
            ("near_repeat", {"iterations": 100000}, "iterations"),
            ("network", {"path_from": 999999, "path_to": 999998}, "path_from"),
            ("network", {"bbox": [-3, 51, -2, 52]}, "bbox"),
        ],
    )
    def test_bad_parameters_are_refused_naming_the_field_and_nothing_is_saved(
        self, world, kind, params, field
    ):
        with pytest.raises(ValidationError) as caught:
            request_job(actor=world.analyst, kind=kind, params=params)
        assert field in caught.value.message_dict, caught.value.message_dict
        assert not AnalysisJob.objects.exists()

    def test_an_unknown_kind_is_refused_naming_kind(self, world):
        with pytest.raises(ValidationError) as caught:
            request_job(actor=world.analyst, kind="astrology", params={})
        assert "kind" in caught.value.message_dict

    def test_crime_types_are_accepted_by_code_or_id_and_stored_as_codes(self, world):
        from intelligence.models import CrimeType

        robbery = CrimeType.objects.get(slug="robbery")
        params, _compartments = clean_params(
            world.analyst, "trend", {"crime_types": ["burglary", robbery.pk]}
        )
        assert params["crime_types"] == ["burglary", "robbery"]
        assert params["period"] == "week"

    def test_an_officer_may_not_run_analysis(self, world):
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            request_job(actor=world.officer, kind="hotspot", params={})


@pytest.mark.django_db
class TestAudit:
    def test_requesting_writes_a_create_event_with_the_params_and_running_a_job_run_event(
        self, world, job_incidents, job_run
    ):
        job_incidents(_scatter(20))
        job = job_run(world.analyst, "temporal", {"crime_types": ["burglary"]}, title="Nights")
        created = AuditEvent.objects.get(action="create", object_type="analysis.analysisjob")
        assert created.details["params"]["crime_types"] == ["burglary"]
        assert created.actor == world.analyst
        assert created.justification == "OP-TEST job"
        run = AuditEvent.objects.get(action="job_run", object_id=str(job.pk))
        assert run.outcome == "success"
        assert (
            run.details["summary"]["incidents"] == "20" or run.details["summary"]["incidents"] == 20
        )
        assert run.actor == world.analyst and run.via == "job"

    def test_no_matching_incident_fails_with_a_message_saying_what_to_widen(self, world, job_run):
        job = job_run(world.analyst, "hotspot")
        assert job.status == "failed"
        assert "Widen" in job.message
        failed = AuditEvent.objects.get(action="job_run", object_id=str(job.pk))
        assert failed.outcome == "failure"


@pytest.mark.django_db
class TestValuesAsJsonGivesThem:
    """What the schema says is what is accepted: a number is a JSON number, a date a date,
    ``null`` the default; lists may also come as text, as the browser form sends them."""

    @pytest.mark.parametrize(
        ("kind", "params", "field"),
        [
            ("hotspot", {"cell_size_m": True}, "cell_size_m"),
            ("hotspot", {"cell_size_m": "300"}, "cell_size_m"),
            ("hotspot", {"cell_size_m": 10**400}, "cell_size_m"),
            ("trend", {"period": ""}, "period"),
            ("network", {"cooccurrence": "yes"}, "cooccurrence"),
            ("temporal", {"date_from": ""}, "date_from"),
            ("network", {"entities": [2**70]}, "entities"),
            ("network", {"entities": ["5"]}, "entities"),
            ("network", {"path_from": "5", "path_to": 6}, "path_from"),
            ("temporal", {"compartments": [["general"]]}, "compartments"),
            ("temporal", {"polygon": {"type": "Feature", "geometry": 5}}, "polygon"),
            ("temporal", {"polygon": [[{"lon": 1}, [1, 1], [2, 2]]]}, "polygon"),
            ("near_repeat", {"time_bands": [7, "14"]}, "time_bands"),
        ],
    )
    def test_a_value_of_the_wrong_json_type_is_refused_naming_the_field(
        self, world, kind, params, field
    ):
        with pytest.raises(ValidationError) as caught:
            clean_params(world.analyst, kind, params)
        assert field in caught.value.message_dict, caught.value.message_dict

    def test_null_is_the_default_and_lists_may_be_text(self, world):
        params, _compartments = clean_params(
            world.analyst,
            "near_repeat",
            {
                "iterations": None,
                "distance_bands": "100, 250",
                "time_bands": [7, 14.5],
                "bbox": "-2.65, 51.42, -2.53, 51.49",
                "date_to": None,
            },
        )
        assert params["iterations"] == 99 and params["seed"] == 1
        assert params["distance_bands"] == [100, 250] and params["time_bands"] == [7, 14.5]
        assert params["bbox"] == [-2.65, 51.42, -2.53, 51.49] and params["date_to"] is None
