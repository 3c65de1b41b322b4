"""The data layer: raw files in, validated tidy tables out.

- ``registry`` and ``fetch``: the registered raw files, copied from the mirror (or downloaded)
  with their SHA-256 checked; ``provenance`` records which ones a computation used;
- ``sources/``: one reader per source, returning checked frames with their source rows;
- ``facts``: the typed, cited fact tables of ``data/facts``, each read with its schema;
- ``tables``: the tidy tables the chapters read (city–year panel, cities, clusters, …),
  validated by ``schemas`` and kept by ``store`` (keyed on ``cache_key``);
- ``quality`` and ``compare``: outlier flags and cross-source agreement; ``names``: pinyin.

Nothing here imports the methods, the analyses, the figures or the publishing layer.
"""
