"""The book's Chinese search language indexes exactly as Sphinx 7.4's, only faster."""

from __future__ import annotations

from sphinx.search.zh import SearchChinese

from cityclusters.paths import repo_root
from cityclusters.publishing.search_index import ChineseSearch


def _indexed_words(language, pages: list[str]) -> list[list[str]]:
    """What the HTML builder's indexer keeps of each page: the split words, stemmed, filtered."""
    out = []
    for text in pages:
        words = [language.stem(word) for word in language.split(text)]
        out.append([word for word in words if language.word_filter(word)])
    return out


def test_same_words_as_sphinx_on_the_book_s_pages():
    # two chapters in Chinese and English (Sphinx's own lookup takes quadratic time: a few pages)
    pages = [(repo_root() / "notebooks" / f"{name}.md").read_text(encoding="utf-8")
             for name in ("03_development_gaps", "07_diagnosing_obstacles")]
    reference = SearchChinese({})
    reference.latin_terms = []  # Sphinx 7.4's list is shared by the class; start it empty
    ours = ChineseSearch({})
    expected = _indexed_words(reference, pages)
    assert sum(map(len, expected)) > 3000
    assert _indexed_words(ours, pages) == expected


def test_a_short_stem_of_a_page_s_own_acronym_is_not_applied():
    ours = ChineseSearch({})
    ours.split("城市群 uses the ADs")
    assert ours.stem("ADs") == "ads"  # a page's own term: kept whole, lower-cased
    assert ours.stem("cities") == "citi"  # other words are stemmed as in English
