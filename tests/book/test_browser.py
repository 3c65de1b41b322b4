"""The built site in a real browser (headless Chromium, :mod:`tests.book.browser`): what a reader
taps or clicks, on a phone (390 px) and a desktop (1280 px), and the search box (issue 16)."""

from __future__ import annotations

import pytest

from cityclusters.paths import repo_root

from .browser import DESKTOP, PHONE, Browser, chromium

HTML = repo_root() / "_build" / "html"
CHAPTER = HTML / "notebooks" / "03_development_gaps.html"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (HTML / "index.html").exists(), reason="book not built: run `make book`"),
              pytest.mark.skipif(chromium() is None, reason="no Chromium (make sysdeps)")]

MODAL_OPEN = "document.getElementById('pst-{side}-sidebar-modal').open"


@pytest.mark.parametrize("side", ["primary", "secondary"])
def test_phone_reader_opens_the_drawers_by_tapping_the_visible_buttons(side):
    with Browser(PHONE) as browser:
        browser.open(CHAPTER.as_uri())
        assert browser.evaluate("window.innerWidth") == 390
        assert browser.evaluate(MODAL_OPEN.format(side=side)) is False
        browser.tap(f".{side}-toggle")
        assert browser.evaluate(MODAL_OPEN.format(side=side)) is True
        links = browser.evaluate(f"document.getElementById('pst-{side}-sidebar-modal').querySelectorAll('a').length")
        assert links > 3  # the table of contents (primary) or the page's sections (secondary)


def test_desktop_reader_collapses_and_restores_the_navigation():
    hidden = "document.querySelector('.bd-sidebar-primary').classList.contains('pst-sidebar-hidden')"
    with Browser(DESKTOP) as browser:
        browser.open(CHAPTER.as_uri())
        assert browser.evaluate(hidden) is False
        browser.click(".primary-toggle")
        assert browser.evaluate(hidden) is True
        browser.click(".primary-toggle")
        assert browser.evaluate(hidden) is False


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
def test_search_finds_the_chapter_in_chinese_and_in_english(query, page):
    from urllib.parse import quote

    with Browser(PHONE) as browser:
        browser.open((HTML / "search.html").as_uri() + "?q=" + quote(query))
        summary = browser.wait_for(FINISHED, timeout=20)
        found = browser.evaluate(FOUND)
        assert any(page in href for href in found), (query, summary, found[:10])



#: The right edge of every display equation on a chapter page (px beyond the window; 0 = fits).
EQUATION_OVERHANG = ("Math.max(0, ...[...document.querySelectorAll('div.math, mjx-container[display=\"true\"]')]"
                     ".map(e => e.getBoundingClientRect().right - window.innerWidth))")


@pytest.mark.parametrize("chapter", sorted(p.name for p in (HTML / "notebooks").glob("[01][0-9]_*.html")))
def test_display_equations_fit_a_phone_screen(chapter):
    """A wide equation scrolls inside its box (_static/math-overflow.css); none sticks out."""
    with Browser(PHONE) as browser:
        browser.open((HTML / "notebooks" / chapter).as_uri())
        browser.wait_for("document.querySelector('div.math') === null || (window.MathJax && MathJax.startup"
                         " ? MathJax.startup.promise.then(() => true) : null)", timeout=20)  # typeset
        assert browser.evaluate(EQUATION_OVERHANG) <= 1, chapter
