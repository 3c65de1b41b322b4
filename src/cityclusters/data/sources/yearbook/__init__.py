"""The China City Statistical Yearbook (中国城市统计年鉴), editions 2000–2024 (data years 1999–2023).

NBS Department of Urban Socio-economic Survey, China Statistics Press; digitised by a data
reseller (马克数据网) and mirrored from ``Zeeny-lin/vibe-coding-gis-``. Copyrighted: the book
analyses it and publishes derived results only.

Modules, one job each: :mod:`.archives` (the registered RAR archives, extracted with bsdtar),
:mod:`.sheets` (the layout of one printed table: header, scopes, units, city rows),
:mod:`.mapping` (the reviewed variable catalogue and per-variable mapping files in
``data/yearbook/``), :mod:`.units` (unit conversion), :mod:`.reader` (the tidy
``city_year_yearbook`` rows) and :mod:`.cross_sections` (the vendor's wide sheets).
"""
