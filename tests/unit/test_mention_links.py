"""``render_mentions``: resolved @mentions become links, escaped and sanitised; everything else
renders as ``render`` does."""

from __future__ import annotations

from teams_app.markdown_text import render, render_mentions

MILO = [("Milo Member", "/people/?q=Milo+Member")]


def test_a_resolved_mention_becomes_a_link():
    html = str(render_mentions("Thanks @Milo Member, can you look?", MILO))
    assert html == (
        '<p>Thanks <a href="/people/?q=Milo+Member" rel="noopener noreferrer nofollow">'
        "@Milo Member</a>, can you look?</p>"
    )


def test_case_and_spacing_as_the_resolver_reads_them_and_the_longest_name_first():
    people = [("Milo", "/m"), ("Milo Member", "/mm")]
    html = str(render_mentions("@milo  member and @Milo", people))
    assert '<a href="/mm" rel="noopener noreferrer nofollow">@milo  member</a>' in html
    assert '<a href="/m" rel="noopener noreferrer nofollow">@Milo</a>' in html


def test_no_link_inside_code_links_or_words_nor_for_names_not_resolved():
    text = "`@Milo Member` [@Milo Member](https://x.example) mail@Milo Member @Lena Lead"
    html = str(render_mentions(text, MILO))
    assert "/people/" not in html
    assert html == str(render(text))
    assert str(render_mentions("@Milo Member", [])) == str(render("@Milo Member"))


def test_the_link_and_the_name_are_escaped_and_the_result_sanitised():
    html = str(render_mentions("@O'Neil & co <script>x()</script>", [("O'Neil", '/p?q="><b>')]))
    assert '<a href="/p?q=&quot;&gt;&lt;b&gt;" rel="noopener noreferrer nofollow">' in html
    assert "@O'Neil</a> &amp; co" in html and "<script" not in html and "x()" not in html
    html = str(render_mentions("@A&B hi", [("A&B", "javascript:alert(1)")]))
    assert "javascript:" not in html and "@A&amp;B</a> hi" in html
