"""Every exception of the package, in one place. Each message names what is wrong and where
(file, row and column, or the parameter)."""

from __future__ import annotations


class CityClustersError(Exception):
    """Base class for the package's own errors."""


class RegistryError(CityClustersError):
    """The registry or the manifest it is generated from is missing or malformed."""


class DataFetchError(CityClustersError):
    """A raw file could not be obtained with the expected SHA-256."""


class SourceFormatError(CityClustersError, ValueError):
    """A raw file does not have the sheets, columns or values a reader expects."""


class TableValidationError(CityClustersError, ValueError):
    """A tidy table failed its schema.

    Attributes
    ----------
    table : str
        The table's name (``city_year``, ``cities``, ...).
    failures : pandas.DataFrame
        One row per failing check: ``column``, ``check``, ``rows`` (index labels) and
        ``keys`` (the failing rows' key values, e.g. city code and year).
    """

    def __init__(self, table: str, failures, message: str):
        super().__init__(message)
        self.table = table
        self.failures = failures


class MethodInputError(CityClustersError, ValueError):
    """An indicator or model received input it cannot use (names the argument and why)."""


class LedgerError(CityClustersError, ValueError):
    """The executed chapters do not give every claim exactly one verdict."""


class SiteReportError(CityClustersError, ValueError):
    """The built HTML names a local file that does not exist (or lies outside the site)."""


class RerunParameterError(CityClustersError, ValueError):
    """A rerun request that the chapter cannot run (named parameter, valid values listed)."""


class VintageMixError(MethodInputError):
    """A series mixes statistical vintages (e.g. first-release and census-revised GDP).

    Raised by :func:`cityclusters.data.vintages.require_one_vintage`; the message names the
    vintages found and the first rows of each. Attributes: ``vintages`` (the ids found, sorted)
    and ``column`` (the column that holds them). A :class:`MethodInputError`, hence also a
    :class:`CityClustersError` and a :class:`ValueError`.
    """

    def __init__(self, message: str, vintages=(), column: str = "vintage"):
        super().__init__(message)
        self.vintages = list(vintages)
        self.column = column
