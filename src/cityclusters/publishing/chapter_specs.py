"""What each chapter accepts as parameters, stated once.

A :class:`ChapterSpec` says which clusters and years a chapter can use, which of its
parameters are years that must lie inside its period, and which analysis function checks the
rest (a choice of outcome, a known line id, a share between 0 and 1). Three readers use the
same spec:

- the chapter's validation cell, ``chapter_spec("03_development_gaps").check(globals())``,
  which stops the notebook before it computes anything;
- :mod:`cityclusters.publishing.rerun` (``make rerun``, ``make rerun-all``), which refuses a
  request before a kernel starts and fills the year parameters that follow the period;
- the tests, which check every spec against its chapter's ``parameters`` cell.

The domain checks themselves stay in the analysis module of the chapter's topic (they are
part of the method: e.g. :func:`cityclusters.analysis.committee_did.validate_did_parameters`);
a spec only says which one applies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cityclusters.checks import validate_parameters
from cityclusters.config import CLUSTER_IDS, FIRST_YEAR, LAST_YEAR

PANEL = "panel"
INDEX = "index"
PERIODS = (PANEL, INDEX)


@dataclass(frozen=True)
class ChapterSpec:
    """What one chapter accepts.

    ``period`` is ``"panel"`` (the city–year panel, :data:`cityclusters.config.FIRST_YEAR`
    to ``LAST_YEAR``) or ``"index"`` (the years of the book's one coordination index,
    :data:`cityclusters.analysis.coordination_index.FIRST_YEAR` to ``LAST_YEAR``);
    ``first_year_min`` a later first year (growth needs the year before).
    ``year_params`` hold one year of the panel each; ``last_year_params`` one year inside
    FIRST_YEAR..LAST_YEAR (a rerun sets them to its last year); ``year_list_params`` a list of
    years inside it (a rerun sets them to [first, last]); ``cluster_list_params`` a list of
    cluster ids besides ``CLUSTERS`` (a rerun for one cluster sets them to it, so that every
    section of the chapter shows that cluster). ``domain_check`` receives the
    chapter's parameter values and raises ``ValueError`` naming a bad one.
    """

    chapter: str
    period: str = PANEL
    first_year_min: int | None = None
    min_years: int = 1
    clusters: tuple[str, ...] = CLUSTER_IDS
    year_params: tuple[str, ...] = ()
    last_year_params: tuple[str, ...] = ()
    year_list_params: tuple[str, ...] = ()
    cluster_list_params: tuple[str, ...] = ()
    domain_check: Callable[[Mapping], None] | None = field(default=None, compare=False)
    note: str = ""

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """The parameters the spec reads (all must exist in the chapter's parameters cell)."""
        return ("CLUSTERS", "FIRST_YEAR", "LAST_YEAR", *self.year_params, *self.last_year_params,
                *self.year_list_params, *self.cluster_list_params)

    def years(self) -> tuple[int, int]:
        """The (first, last) years the chapter can use."""
        if self.period == INDEX:
            from cityclusters.analysis import coordination_index

            first, last = coordination_index.FIRST_YEAR, coordination_index.LAST_YEAR
        else:
            first, last = FIRST_YEAR, LAST_YEAR
        if self.first_year_min is not None:
            first = max(first, self.first_year_min)
        return first, last

    def check(self, values: Mapping) -> None:
        """Refuse parameter values the chapter cannot use (``ValueError`` naming the parameter
        and listing the valid values). ``values`` is the notebook's ``globals()`` or a dict."""
        missing = [name for name in self.parameter_names if name not in values]
        if missing:
            raise ValueError(f"chapter {self.chapter}: parameter(s) {missing} missing")
        clusters, first, last = values["CLUSTERS"], values["FIRST_YEAR"], values["LAST_YEAR"]
        validate_parameters(clusters, first, last, min_years=self.min_years)
        refused = [c for c in clusters if c not in self.clusters]
        if refused:
            why = f" ({self.note})" if self.note else ""
            raise ValueError(f"CLUSTERS {refused}: chapter {self.chapter} accepts only "
                             f"{list(self.clusters)}{why}")
        if self.period == INDEX:
            low, high = self.years()
            if not low <= first <= last <= high:
                raise ValueError(f"chapter {self.chapter} reads the coordination index, which covers "
                                 f"{low}–{high}; got FIRST_YEAR={first}, LAST_YEAR={last}")
        elif self.first_year_min is not None and first < self.first_year_min:
            raise ValueError(f"FIRST_YEAR must be at least {self.first_year_min} in chapter "
                             f"{self.chapter}; got {first}")
        for name in self.cluster_list_params:
            try:
                validate_parameters(values[name])
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}".replace("CLUSTERS must", "it must")) from None
            outside = [c for c in values[name] if c not in self.clusters]
            if outside:
                raise ValueError(f"{name} {outside}: chapter {self.chapter} accepts only {list(self.clusters)}")
        for name in self.year_params:
            validate_parameters(None, values[name], values[name])
        for name in self.last_year_params:
            _require_year_inside(name, values[name], first, last)
        for name in self.year_list_params:
            years = values[name]
            if isinstance(years, str) or not hasattr(years, "__iter__") or not list(years):
                raise ValueError(f"{name} must be a non-empty list of years; got {years!r}")
            for year in years:
                _require_year_inside(name, year, first, last)
        if self.domain_check is not None:
            self.domain_check(values)


def _require_year_inside(name: str, year, first: int, last: int) -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not first <= year <= last:
        raise ValueError(f"{name} must be an integer year between FIRST_YEAR={first} and "
                         f"LAST_YEAR={last}; got {year!r}")


# ------------------------------------------------------------------ chapter-specific checks
def _hierarchy(values: Mapping) -> None:
    from cityclusters.analysis.hierarchy import size_column

    size_column(values["SIZE_MEASURE"])


def _linkages(values: Mapping) -> None:
    from cityclusters.analysis.linkages import validate_linkage_parameters

    validate_linkage_parameters(values["DISTANCE"], values["DECAY"])


def _industry_market(values: Mapping) -> None:
    from cityclusters.analysis.industry_market import validate_split_year

    validate_split_year(values["FIRST_YEAR"], values["LAST_YEAR"], values["SPLIT_YEAR"])


def _mechanism(values: Mapping) -> None:
    from cityclusters.analysis.mechanism import validate_map_year, validate_members
    from cityclusters.data import tables

    committee = validate_members(tables.yrd_committee_members(), "data/facts/yrd_committee_members.csv")
    validate_map_year(values["MAP_YEAR"], committee, LAST_YEAR)


def _committee_did(values: Mapping) -> None:
    from cityclusters.analysis.committee_did import validate_did_parameters
    from cityclusters.data import tables

    validate_did_parameters(values["OUTCOME"], values["CONTROL_PROVINCES"], values["FIRST_YEAR"],
                            values["LAST_YEAR"], values["LEADS"], values["LAGS"], values["N_BOOT"],
                            values["SEED"], values["CLUSTERS"],
                            known_provinces=tables.city_year()["province_zh"].unique())


def _benchmarks(values: Mapping) -> None:
    from cityclusters.analysis.benchmarks import validate_benchmark

    validate_benchmark(values["BENCHMARK"])


def _drivers(values: Mapping) -> None:
    from cityclusters.analysis.drivers import validate_driver_parameters

    validate_driver_parameters(values["CLUSTERS"], values["FIRST_YEAR"], values["LAST_YEAR"],
                               values["OUTCOME"], values["LAG"])


def _pathways(values: Mapping) -> None:
    from cityclusters.analysis.hierarchy import size_column
    from cityclusters.analysis.linkages import validate_linkage_parameters
    from cityclusters.analysis.pathways import (
        scenario_lines,
        validate_scenario_parameters,
    )

    validate_scenario_parameters(values["FIRST_YEAR"], values["LAST_YEAR"], values["SCENARIO_YEAR"],
                                 values["GAP_CLOSURE"], values["CORE_GROWTH"], values["SCENARIO_LINES"],
                                 scenario_lines()["line_id"])
    validate_linkage_parameters("travel_time", values["DECAY"])
    size_column(values["SIZE_MEASURE"])


#: Every chapter's spec, by chapter name (``notebooks/<name>.md``).
CHAPTER_SPECS: dict[str, ChapterSpec] = {spec.chapter: spec for spec in (
    ChapterSpec("01_clusters_and_data"),
    ChapterSpec("02_synergetics_to_measurement", period=INDEX, min_years=4,
                year_list_params=("MAP_YEARS",)),
    ChapterSpec("03_development_gaps", min_years=5, year_params=("CLAIM_YEAR", "PAPER_YEAR")),
    ChapterSpec("04_urban_hierarchy", min_years=2, domain_check=_hierarchy),
    ChapterSpec("05_linkages", cluster_list_params=("FLOW_CLUSTERS",), domain_check=_linkages),
    ChapterSpec("06_industry_and_market", min_years=7, domain_check=_industry_market),
    ChapterSpec("07_diagnosing_obstacles", period=INDEX, min_years=2,
                last_year_params=("OBSTACLE_YEAR",)),
    ChapterSpec("08_yrd_mechanism", last_year_params=("MAP_YEAR",), domain_check=_mechanism),
    ChapterSpec("09_committee_did", first_year_min=FIRST_YEAR + 1, min_years=5,
                clusters=("yrd26", "yrd41"), note="the committee's members are YRD cities",
                domain_check=_committee_did),
    ChapterSpec("10_benchmarks", domain_check=_benchmarks),
    ChapterSpec("11_drivers", period=INDEX, min_years=3, domain_check=_drivers),
    ChapterSpec("12_pathways", last_year_params=("SCENARIO_YEAR",), domain_check=_pathways),
)}


def chapter_spec(chapter: str) -> ChapterSpec:
    """The spec of ``chapter`` (e.g. ``"03_development_gaps"``); a ``KeyError`` lists the valid names."""
    try:
        return CHAPTER_SPECS[chapter]
    except KeyError:
        raise KeyError(f"no chapter spec {chapter!r}; chapters: {sorted(CHAPTER_SPECS)}") from None
