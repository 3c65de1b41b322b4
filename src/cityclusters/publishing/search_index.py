"""The site's search index for Chinese and English text, built in linear time.

The book sets ``html_search_language: zh``: Sphinx's Chinese indexer cuts Chinese text with
jieba and stems Latin words as the English indexer does, except that a word of three or more
letters which stemming would cut below three is kept whole (acronyms). To know whether a word
is a Latin word of the page, Sphinx 7.4 (``sphinx/search/zh.py``) appends every Latin term of
every page to one list and looks each indexed word up in it: a scan of the list for each word,
so the time grows with the square of the book's length. On this book that lookup was over a
third of each HTML build's time (30 000 lookups in a list of the whole book's terms, measured
with cProfile on the student edition's build). Sphinx 8 keeps the terms in a set; Jupyter Book 1
requires Sphinx 7, so :class:`ChineseSearch` does the same here. It also remembers each word's
English stem (Sphinx stems every occurrence of a word, and a Latin term twice; a stem depends
on the word only). The index it writes is the same (``tests/publishing/test_search_index.py``);
the student edition's HTML build took 15 s instead of 24 s.
"""

from __future__ import annotations

from sphinx.search.zh import SearchChinese


class LatinTerms(set):
    """The Latin terms seen so far, as a set that Sphinx 7.4's code can ``extend``."""

    def extend(self, terms) -> None:
        self.update(terms)


class RememberedStems:
    """An English stemmer that stems each distinct word once (``stemWord`` as Snowball's)."""

    def __init__(self, stemmer) -> None:
        self._stemmer = stemmer
        self._stems: dict[str, str] = {}

    def stemWord(self, word: str) -> str:  # noqa: N802 (Snowball's name, called by Sphinx)
        stem = self._stems.get(word)
        if stem is None:
            stem = self._stems[word] = self._stemmer.stemWord(word)
        return stem


class ChineseSearch(SearchChinese):
    """Sphinx's Chinese search language with its Latin terms in a set (one per index) and its
    stems remembered.

    Examples
    --------
    >>> from cityclusters.publishing.search_index import ChineseSearch
    >>> language = ChineseSearch({})
    >>> language.split("泰尔指数 Theil index")[-2:]
    ['Theil', 'index']
    >>> "Theil" in language.latin_terms, isinstance(language.latin_terms, set)
    (True, True)
    """

    def init(self, options: dict[str, str]) -> None:
        super().init(options)
        self.latin_terms = LatinTerms()
        self.stemmer = RememberedStems(self.stemmer)


def setup_search(app) -> None:
    """Register :class:`ChineseSearch` for ``html_search_language: zh``."""
    app.add_search_language(ChineseSearch)
