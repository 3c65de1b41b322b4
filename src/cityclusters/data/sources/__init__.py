"""Readers of the raw files: one module per source, each returning a frame with English
column names, checked headers and the source row number of every record (``source_row``)."""
