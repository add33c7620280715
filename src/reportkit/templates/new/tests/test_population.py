"""The analysis computes what the text quotes from the data file."""

from analysis.population import growth, series


def test_series_is_read_in_year_order():
    rows = series()
    assert [year for year, _ in rows] == sorted(year for year, _ in rows)
    assert all(persons > 0 for _, persons in rows)


def test_growth_is_first_to_last_year():
    assert round(growth([(2000, 100), (2001, 150)]), 1) == 50.0
