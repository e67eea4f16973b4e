from duban.journal import chain


def test_county_fixture_builds_and_journal_is_intact(county):
    assert county.edu.parent == county.gov
    assert chain.verify().ok
