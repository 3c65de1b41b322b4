"""Display objects shared by the layers: a table whose output carries its own data.

Chapters show tables as Markdown (a real table in HTML and in the PDF). A reviewer also wants
the numbers: :class:`DataTable` puts the table's data, as CSV text under the media type
:data:`CSV_MIME`, in the same notebook output, and the book's Sphinx extension offers it as a
download under the table (:mod:`cityclusters.publishing.data_downloads`). It lives here, below
every layer, because the models' regression tables and the publishing layer's tables both
return it.
"""

from __future__ import annotations

import pandas as pd

#: Media type of the data a table or figure output carries for its download link.
CSV_MIME = "text/csv"


class DataTable:
    """A table output: Markdown for the page (a real table in HTML and PDF) and the unformatted
    data as CSV in the same output (:data:`CSV_MIME`), which the book's Sphinx extension offers
    as a download under the table. ``data`` is the Markdown text."""

    def __init__(self, markdown: str, frame: pd.DataFrame, index: bool = False):
        self.data, self.frame, self.index = markdown, frame, index

    def _repr_markdown_(self) -> str:
        return self.data

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/markdown": self.data, CSV_MIME: self.frame.to_csv(index=self.index)}
