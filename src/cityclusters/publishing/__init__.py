"""The publishing layer: what turns analyses into a book and lets reviewers rerun it.

- ``notebook``: glue and table helpers for chapter notebooks (the only module that glues);
- ``chapter_specs``: each chapter's parameters and what it accepts, stated once;
- ``runner``, ``rerun``, ``determinism``: executing chapters with papermill, reruns for
  reviewers, comparing two executions;
- ``ledger`` and ``reproducibility``: the pages assembled from executed chapters;
- ``interactive``: HTML-only SVG figures; ``sphinx_ext``: the book's Sphinx extension;
- ``site_report``: page weights and link checks of the built site; ``cli``: the command line.
"""
