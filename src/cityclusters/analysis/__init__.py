"""Chapter analyses: one module per chapter topic, named like the chapter.

They combine tidy tables (:mod:`cityclusters.data`) with the methods of
:mod:`cityclusters.indicators` and :mod:`cityclusters.models` into the quantities, verdict
rules and sentences a chapter reports. They never draw or glue.

========================  =====================================
chapter                   module
========================  =====================================
02 synergetics            ``coordination``
03 development gaps       ``gaps``
04 urban hierarchy        ``hierarchy``
05 linkages               ``linkages``
06 industry and market    ``industry_market``
07 obstacles              ``obstacles``
08 YRD mechanism          ``mechanism``
09 committee DID          ``committee_did``
10 benchmarks             ``benchmarks``
11 drivers                ``drivers``
12 pathways               ``pathways``
========================  =====================================
"""
