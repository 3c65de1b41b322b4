"""The built site in a real browser (headless Chromium, :mod:`tests.book.browser`): what a reader
taps or clicks, on a phone (390 px) and a desktop (1280 px), the code toggles of the chapters
and the search box (issue 16)."""

from __future__ import annotations

import pytest

from cityclusters.paths import repo_root

from .browser import DESKTOP, PHONE, Browser, Chromium, chromium

HTML = repo_root() / "_build" / "html"
CHAPTER = HTML / "notebooks" / "03_development_gaps.html"

pytestmark = [pytest.mark.slow, pytest.mark.book,
              pytest.mark.skipif(not (HTML / "index.html").exists(), reason="book not built: run `make book`"),
              pytest.mark.skipif(chromium() is None, reason="no Chromium (make sysdeps)")]

MODAL_OPEN = "document.getElementById('pst-{side}-sidebar-modal').open"


@pytest.fixture(scope="module")
def shared_chromium():
    """One Chromium for the module's pages (each test still gets a fresh browser context)."""
    with Chromium() as process:
        yield process


@pytest.mark.parametrize("side", ["primary", "secondary"])
def test_phone_reader_opens_the_drawers_by_tapping_the_visible_buttons(side, shared_chromium):
    with Browser(PHONE, process=shared_chromium) as browser:
        browser.open(CHAPTER.as_uri())
        assert browser.evaluate("window.innerWidth") == 390
        assert browser.evaluate(MODAL_OPEN.format(side=side)) is False
        browser.tap(f".{side}-toggle")
        assert browser.evaluate(MODAL_OPEN.format(side=side)) is True
        links = browser.evaluate(f"document.getElementById('pst-{side}-sidebar-modal').querySelectorAll('a').length")
        assert links > 3  # the table of contents (primary) or the page's sections (secondary)


def test_desktop_reader_collapses_and_restores_the_navigation(shared_chromium):
    hidden = "document.querySelector('.bd-sidebar-primary').classList.contains('pst-sidebar-hidden')"
    with Browser(DESKTOP, process=shared_chromium) as browser:
        browser.open(CHAPTER.as_uri())
        assert browser.evaluate(hidden) is False
        browser.click(".primary-toggle")
        assert browser.evaluate(hidden) is True
        browser.click(".primary-toggle")
        assert browser.evaluate(hidden) is False


CHAPTERS = sorted((HTML / "notebooks").glob("[0-9][0-9]_*.html"))
#: myst-nb's toggle over a hidden input (a ``hide-input`` cell): a <details> whose <summary> reads
#: "Show code cell source".
TOGGLE = "details.hide.above-input"
FIRST_TOGGLE = f"document.querySelector('{TOGGLE}')"
#: Whether the reader can see the code: a closed <details> keeps its content laid out (its height
#: is not 0) but not rendered, which checkVisibility() reports.
CODE_VISIBLE = f"{FIRST_TOGGLE}.querySelector('.cell_input pre').checkVisibility()"
SHOWN_CELLS = ("[...document.querySelectorAll('div.cell_input pre')].filter(e => !e.closest('details')"
               " && e.checkVisibility()).length")


def test_every_chapter_page_is_checked():
    assert len(CHAPTERS) == 12


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_shows_headline_code_and_reveals_hidden_code_on_click(page, shared_chromium):
    with Browser(DESKTOP, process=shared_chromium) as browser:
        browser.open(page.as_uri())
        assert browser.evaluate(f"document.querySelectorAll('{TOGGLE}').length") >= 1
        assert browser.evaluate(SHOWN_CELLS) >= 4  # the parameters cell and 3-5 headline cells
        assert browser.evaluate(f"{FIRST_TOGGLE}.open") is False
        assert browser.evaluate(CODE_VISIBLE) is False
        assert "Show code" in browser.evaluate(f"{FIRST_TOGGLE}.querySelector('summary').innerText")
        browser.click(f"{TOGGLE} > summary")
        assert browser.evaluate(f"{FIRST_TOGGLE}.open") is True
        assert browser.evaluate(CODE_VISIBLE) is True
        assert "import" in browser.evaluate(f"{FIRST_TOGGLE}.querySelector('.cell_input').innerText")


def test_phone_reader_opens_hidden_code_by_tapping_the_toggle(shared_chromium):
    with Browser(PHONE, process=shared_chromium) as browser:
        browser.open(CHAPTER.as_uri())
        browser.tap(f"{TOGGLE} > summary")
        assert browser.evaluate(f"{FIRST_TOGGLE}.open") is True
        assert browser.evaluate(CODE_VISIBLE) is True
        # the code scrolls inside its own box: the page itself does not get wider than the phone
        assert browser.evaluate("document.documentElement.scrollWidth") <= 390


#: Query → a page it must find: Chinese words inside compounds (泰尔指数, σ收敛, 耦合协调度) and
#: their English names.
SEARCHES = {"泰尔": "notebooks/03_development_gaps", "Theil": "notebooks/03_development_gaps",
            "收敛": "notebooks/03_development_gaps", "convergence": "notebooks/03_development_gaps",
            "协调": "notebooks/02_synergetics_to_measurement",
            "coordination": "notebooks/02_synergetics_to_measurement"}
FINISHED = "(() => { const s = document.querySelector('#search-results .search-summary');" \
           " return s && /found|did not match/i.test(s.innerText) ? s.innerText : null; })()"
FOUND = "[...document.querySelectorAll('#search-results li a')].map(a => a.getAttribute('href'))"


@pytest.mark.parametrize("query, page", SEARCHES.items())
def test_search_finds_the_chapter_in_chinese_and_in_english(query, page, shared_chromium):
    from urllib.parse import quote

    with Browser(PHONE, process=shared_chromium) as browser:
        browser.open((HTML / "search.html").as_uri() + "?q=" + quote(query))
        summary = browser.wait_for(FINISHED, timeout=20)
        found = browser.evaluate(FOUND)
        assert any(page in href for href in found), (query, summary, found[:10])



#: The right edge of every display equation on a chapter page (px beyond the window; 0 = fits).
#: True once MathJax has typeset the page (at once on a page without display math).
MATH_TYPESET = ("document.querySelector('div.math') === null || (window.MathJax && MathJax.startup"
                " ? MathJax.startup.promise.then(() => true) : null)")
EQUATION_OVERHANG = ("Math.max(0, ...[...document.querySelectorAll('div.math, mjx-container[display=\"true\"]')]"
                     ".map(e => e.getBoundingClientRect().right - window.innerWidth))")


#: The value box of the interactive figures (_static/svg-values.js).
VALUE_BOX = "(() => { const b = document.querySelector('.cc-value'); return b && !b.hidden ? b.textContent : null; })()"
FIRST_MARK_TITLE = "document.querySelector('.cc-interactive .cc-unit title').textContent"
INTERACTIVE = HTML / "notebooks" / "02_synergetics_to_measurement.html"


def test_a_tap_on_a_map_shows_the_citys_value_on_a_phone(shared_chromium):
    with Browser(PHONE, process=shared_chromium) as browser:
        browser.open(INTERACTIVE.as_uri())
        browser.evaluate("document.querySelector('.cc-interactive .cc-unit').scrollIntoView({block: 'center'})")
        assert browser.evaluate(VALUE_BOX) is None
        browser.tap(".cc-interactive .cc-unit")
        shown = browser.evaluate(VALUE_BOX)
        assert shown and shown == browser.evaluate(
            "document.elementFromPoint(...(r => [r.left + r.width / 2, r.top + r.height / 2])"
            "(document.querySelector('.cc-interactive .cc-unit').getBoundingClientRect()))"
            ".closest('.cc-unit').querySelector('title').textContent")


def test_keyboard_focus_on_a_mark_shows_its_value_and_escape_hides_it(shared_chromium):
    with Browser(DESKTOP, process=shared_chromium) as browser:
        browser.open(INTERACTIVE.as_uri())
        browser.evaluate("document.querySelector('.cc-interactive .cc-unit').focus()")
        assert browser.evaluate(VALUE_BOX) == browser.evaluate(FIRST_MARK_TITLE)
        browser.evaluate("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}))")
        assert browser.evaluate(VALUE_BOX) is None


#: Every page of the site that is not a chapter: the front matter, the reference pages (the
#: bibliography's long URLs) and the summary pages (the claims ledger's wide table).
OTHER_PAGES = sorted([HTML / "index.html", *(HTML / "book").glob("*.html"), *(HTML / "summary").glob("*.html")])


@pytest.mark.parametrize("page", CHAPTERS + OTHER_PAGES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_page_is_wider_than_a_phone(page, shared_chromium):
    """Nothing on a page widens it past 390 px once its equations are typeset: a long inline
    code name once did in chapter 3 (_static/inline-code.css lets it break), long URLs did on
    the bibliography (_static/citations.css); no display equation sticks out."""
    with Browser(PHONE, process=shared_chromium) as browser:
        browser.open(page.as_uri())
        browser.wait_for(MATH_TYPESET, timeout=20)
        assert browser.evaluate("document.documentElement.scrollWidth") == 390
        # a wide display equation scrolls inside its box (_static/math-overflow.css)
        assert browser.evaluate(EQUATION_OVERHANG) <= 1


def test_glued_sentences_read_in_body_weight_and_glued_numbers_stay_bold(shared_chromium):
    """myst-nb bolds every glued value; a generated sentence (sphinx_ext.mark_glued_sentences)
    is set in the body's weight so a paragraph does not turn bold, a glued number stays bold."""
    weight = "getComputedStyle(document.querySelector('{}')).fontWeight"
    with Browser(DESKTOP, process=shared_chromium) as browser:
        browser.open((HTML / "notebooks" / "04_urban_hierarchy.html").as_uri())
        assert browser.evaluate("document.querySelectorAll('span.pasted-text.glued-sentence').length") > 0
        assert int(browser.evaluate(weight.format("span.pasted-text.glued-sentence"))) < 600
        assert int(browser.evaluate(weight.format("span.pasted-text:not(.glued-sentence)"))) >= 600
