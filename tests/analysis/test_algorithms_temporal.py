"""Aoristic day-of-week x hour weighting: each event weighs exactly 1 in total."""

import numpy as np
import pytest

from analysis.algorithms.temporal import HOUR, WEEK, aoristic_week, aoristic_weights

DAY = 24 * HOUR


def test_an_exact_time_weighs_one_in_its_hour():
    # Wednesday 14:25
    matrix = aoristic_week([2 * DAY + 14 * HOUR + 25 * 60])
    assert matrix.sum() == 1
    assert matrix[2, 14] == 1


def test_a_window_spreads_its_weight_in_proportion_to_the_time_in_each_hour():
    # Monday 22:30 to Tuesday 01:30: half an hour, two full hours, half an hour.
    start = 22 * HOUR + 30 * 60
    weights = aoristic_weights([start], [start + 3 * HOUR])[0].reshape(7, 24)
    assert weights.sum() == pytest.approx(1.0)
    assert weights[0, 22] == pytest.approx(1 / 6)
    assert weights[0, 23] == pytest.approx(1 / 3)
    assert weights[1, 0] == pytest.approx(1 / 3)
    assert weights[1, 1] == pytest.approx(1 / 6)


def test_a_window_crossing_sunday_midnight_wraps_to_monday():
    start = 6 * DAY + 23 * HOUR  # Sunday 23:00, two hours
    weights = aoristic_weights([start], [start + 2 * HOUR])[0].reshape(7, 24)
    assert weights[6, 23] == pytest.approx(0.5)
    assert weights[0, 0] == pytest.approx(0.5)


def test_every_events_weights_sum_to_one_and_the_matrix_to_the_event_count():
    rng = np.random.default_rng(11)
    start = rng.uniform(0, 52 * WEEK, 500)
    length = rng.choice([0, 600, 3 * HOUR, 30 * HOUR, 9 * DAY], size=500)
    end = np.where(length > 0, start + length, np.nan)
    weights = aoristic_weights(start, end)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-9)
    assert (weights >= 0).all()
    assert aoristic_week(start, end).sum() == pytest.approx(500)


def test_a_window_of_exactly_one_week_weighs_every_hour_the_same():
    start = 3 * DAY + 5 * HOUR + 17
    weights = aoristic_weights([start], [start + WEEK])[0]
    np.testing.assert_allclose(weights, 1 / 168)


def test_a_window_ending_before_it_starts_counts_as_exact():
    matrix = aoristic_week([5 * HOUR], [4 * HOUR])
    assert matrix[0, 5] == 1
