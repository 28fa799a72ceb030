from teams_app.pagination import Page, clamp


def test_page_window_shows_gaps():
    page = Page(items=[], page=6, per_page=10, total=200)
    assert page.pages == 20
    assert page.window() == [1, None, 4, 5, 6, 7, 8, None, 20]
    assert page.has_prev and page.has_next


def test_single_page_and_empty():
    assert Page(items=[], page=1, per_page=10, total=0).window() == [1]
    assert not Page(items=[], page=1, per_page=10, total=5).has_next


def test_clamp_forgives_bad_query_values():
    assert clamp("abc", None) == (1, 25)
    assert clamp("-3", "9999") == (1, 200)
    assert clamp("4", "10") == (4, 10)


def test_clamp_caps_the_page_number():
    assert clamp("99999999999999999999", None) == (10**6, 25)
