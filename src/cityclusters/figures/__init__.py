"""Chapter figures, one module per chapter topic (maps and charts that only one chapter draws).

Shared drawing helpers (book style, bilingual labels, cluster maps, Markdown tables) stay in
:mod:`cityclusters.figures.style`; a figure function that a second chapter needs moves there.
"""
