"""The network job's summary describes the graph it analysed, not the compartment around it,
and the form and the result say which measures use link strength and which count steps."""

import pytest
from django.urls import reverse

from intelligence.services.entities import create_link, link_entity_to_report
from tests.intelligence.helpers import as_user, make_entity, make_report

pytestmark = pytest.mark.django_db


def _link(world, a, b, strength="confirmed"):
    with as_user(world.analyst):
        create_link(
            actor=world.analyst, from_entity=a, to_entity=b, kind="associate", strength=strength
        )


@pytest.fixture
def two_groups(world):
    """Ann-Bob (a link and a shared report) and Bob-Cat (a link): the group analysed from Ann;
    a second group of five people linked in a ring that a job started from Ann never reaches."""
    ann, bob, cat = (make_entity(world, name=n) for n in ("Ann Able", "Bob Baker", "Cat Cole"))
    _link(world, ann, bob)
    _link(world, bob, cat, strength="tentative")
    report = make_report(world, text="Ann and Bob seen together.")
    with as_user(world.analyst):
        for person in (ann, bob):
            link_entity_to_report(report, person, actor=world.analyst, subject_category="suspect")
    ring = [make_entity(world, name=f"Ring Member {k}") for k in range(5)]
    for k in range(5):
        _link(world, ring[k], ring[(k + 1) % 5])
    other = make_report(world, text="Two ring members together.")
    with as_user(world.analyst):
        for person in ring[:2]:
            link_entity_to_report(other, person, actor=world.analyst, subject_category="suspect")
    return {"ann": ann, "bob": bob, "cat": cat, "ring": ring}


def test_every_summary_figure_counts_the_ties_analysed_not_the_compartment(
    world, two_groups, job_run
):
    """Started from Ann with 2 hops, the graph is Ann, Bob, Cat with two ties (one of them also
    a shared report); the ring's five links and its shared report are not in it."""
    job = job_run(world.analyst, "network", {"entities": [two_groups["ann"].pk], "hops": 2})
    assert job.status == "succeeded", job.message
    summary = job.result["summary"]
    assert summary["entities"] == 3
    assert summary["ties"] == 2
    assert summary["explicit_links"] == 2  # Ann-Bob, Bob-Cat: not the ring's five
    assert summary["co_occurrence_pairs"] == 1  # Ann-Bob: not the ring's pair
    assert summary["communities"] >= 1
    assert summary["most_central"] == "Bob Baker"


def test_the_whole_graph_counts_every_link_and_pair_once(world, two_groups, job_run):
    job = job_run(world.analyst, "network", {})
    assert job.status == "succeeded", job.message
    summary = job.result["summary"]
    assert (summary["entities"], summary["ties"]) == (8, 7)
    assert summary["explicit_links"] == 7 and summary["co_occurrence_pairs"] == 2


def test_the_form_and_the_result_say_which_measures_use_strength_and_which_count_steps(
    world, two_groups, job_run, login
):
    client = login(world.analyst)
    form = client.get(reverse("analysis:job_create") + "?kind=network").content.decode()
    job = job_run(world.analyst, "network", {"entities": [two_groups["ann"].pk]})
    page = client.get(reverse("analysis:job_detail", args=[job.pk])).content.decode()
    for text in (form, page):
        assert "Weighted degree and eigenvector centrality use the strength of each tie" in text
        assert "Betweenness and closeness count steps" in text
    method = {part["heading"]: part["text"] for part in job.result["method"]}
    assert set(method) == {"Method", "Parameters", "Correction", "Limits"}
    assert "2 hops" in method["Parameters"]
    # Louvain finds the communities at every size the job accepts, and the note says only that.
    assert "communities by Louvain modularity on tie strength" in method["Method"]
    assert "label propagation" not in method["Method"]
    columns = job.result["tables"][0]["columns"]
    assert "Betweenness (steps)" in columns and "Eigenvector (strength)" in columns


def test_too_many_pairs_named_together_fail_the_job_with_what_to_narrow(
    world, two_groups, job_run, monkeypatch
):
    """The pairs of shared reports are counted before they are made: above the limit the job
    fails saying how many there are and what to narrow, and stores no result."""
    from analysis.kinds import network as kind

    monkeypatch.setattr(kind, "MAX_SHARED_PAIRS", 1)
    job = job_run(world.analyst, "network", {})
    assert job.status == "failed"
    assert "name 2 pairs of entities together, more than the 1 this analysis handles" in (
        job.message
    )
    assert not job.result
    monkeypatch.setattr(kind, "MAX_SHARED_PAIRS", 2)
    assert job_run(world.analyst, "network", {}).status == "succeeded"
