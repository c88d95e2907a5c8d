"""Text put into GitHub markdown stays text: escaping and fitting (``render/markdown_text.py``)."""

from __future__ import annotations

from pim_gitops.render.markdown_text import clip, fit, md_code, md_fence, md_text, url_path


def test_prose_cannot_open_a_comment_or_close_a_section() -> None:
    assert md_text("Contoso <!-- EMEA") == "Contoso &lt;!-- EMEA"
    assert md_text("</details> & <b>") == "&lt;/details&gt; &amp; &lt;b&gt;"
    # An entity someone typed shows as typed, not as the character it names.
    assert md_text("a &lt;!-- b") == "a &amp;lt;!-- b"
    # A line break would end a blockquote or a table row: one line.
    assert md_text("one\n\ntwo\r\nthree") == "one  two three"
    # Outside a cell a pipe and a backslash are left as they are.
    assert md_text("a | b \\ c") == "a | b \\ c"


def test_a_cell_escapes_pipes_and_the_backslash_before_one() -> None:
    assert md_text("Contoso | EMEA", cell=True) == "Contoso \\| EMEA"
    # `\|` typed in a name: both escaped, else the backslash escapes the pipe's escape.
    assert md_text("a \\| b", cell=True) == "a \\\\\\| b"
    assert md_code("a|b", cell=True) == "`a\\|b`"


def test_inline_code_takes_a_delimiter_longer_than_any_backtick_run_in_it() -> None:
    assert md_code("roles/a.yaml:3") == "`roles/a.yaml:3`"
    assert md_code("roles/a`b.yaml") == "``roles/a`b.yaml``"
    assert md_code("x```y") == "````x```y````"
    # Starting or ending with a backtick: padded, so the delimiter is not read as longer.
    assert md_code("`a") == "`` `a ``"
    assert md_code("a\nb") == "`a b`"


def test_a_fenced_line_of_backticks_cannot_close_its_fence() -> None:
    assert md_fence("+ a", "diff") == "```diff\n+ a\n```"
    body = "+ a\n```\n</details>"
    fenced = md_fence(body, "diff")
    assert fenced == f"````diff\n{body}\n````"
    assert md_fence("``````") == "```````\n``````\n```````"


def test_paths_in_urls_are_percent_encoded_keeping_slashes() -> None:
    assert url_path("roles/global admin (tier 0).yaml") == (
        "roles/global%20admin%20%28tier%200%29.yaml"
    )
    assert url_path("roles/a#b?c%d.yaml") == "roles/a%23b%3Fc%25d.yaml"


def test_fit_keeps_what_fits_exactly_and_counts_the_rest() -> None:
    blocks = ["aaaa", "bbbb", "cc"]
    assert fit(blocks, 10) == (blocks, 0)
    assert fit(blocks, 9) == (["aaaa", "bbbb"], 1)
    # The separator after each block counts: 4 + 1 + 4 + 1 + 2 = 12.
    assert fit(blocks, 12, gap=1) == (blocks, 0)
    assert fit(blocks, 11, gap=1) == (["aaaa", "bbbb"], 1)
    assert fit(blocks, 3) == ([], 3)
    assert fit(blocks, -5) == ([], 3)
    assert fit([], 0) == ([], 0)


def test_clip_says_how_much_it_cut() -> None:
    assert clip("abcdef", 6) == "abcdef"
    assert clip("abcdef", 4) == "abcd… (2 more characters)"
