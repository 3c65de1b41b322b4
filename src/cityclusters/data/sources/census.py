"""2010 and 2020 census population by prefecture with boundary polygons (leiii/census, MIT).

Cite: Dong, Du & Liu (2022), *Mapping evolving population geography in China*. Population
is adjusted to 2020 boundaries by the authors; the ``coord`` column holds a WKT polygon.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from cityclusters.data.provenance import remembered
from cityclusters.data.sources.reading import read_checked, to_number
from cityclusters.errors import SourceFormatError

if TYPE_CHECKING:
    import geopandas as gpd

CENSUS = "leiii__census/data/census/census_city_2010-2020_v1.csv"


@remembered
def read_census() -> gpd.GeoDataFrame:
    """All 369 census units: code, name, province, population (persons) 2010/2020, geometry (WGS84)."""
    import geopandas as gpd  # imported here: tables that need no geometry load faster
    from shapely import wkt

    frame = read_checked(
        CENSUS,
        {
            "city": "name_zh",
            "city_code": "code",
            "province": "province_zh",
            "popu_2010": "pop_2010_persons",
            "popu_2020": "pop_2020_persons",
            "popu_urban_2020": "pop_urban_2020_persons",
            "coord": "wkt",
        },
        dtype={"city_code": str, "coord": str},
    )
    frame = to_number(frame, ["pop_2010_persons", "pop_2020_persons", "pop_urban_2020_persons"], CENSUS)
    bad_code = ~frame["code"].str.fullmatch(r"\d{6}")
    if bad_code.any():
        row = frame.loc[bad_code].iloc[0]
        raise SourceFormatError(f"{CENSUS}: column 'city_code' value {row['code']!r} at row {row['source_row']} is not six digits.")
    frame["code"] = frame["code"].astype(int)
    geometries = []
    for row in frame.itertuples():
        try:
            geometries.append(wkt.loads(row.wkt) if isinstance(row.wkt, str) and row.wkt else None)
        except Exception as exc:  # shapely raises its own error types for bad WKT
            raise SourceFormatError(f"{CENSUS}: column 'coord' at row {row.source_row} is not valid WKT ({exc}).") from exc
    frame = frame.drop(columns="wkt")
    return gpd.GeoDataFrame(frame, geometry=pd.Series(geometries, index=frame.index), crs="EPSG:4326")
