"""Prefecture coordinates from Ma & Tang (2024) (malin84/transportation_networks_of_china, GPL-3).

``pref_pair/cityinfo.csv``: 279 prefectures with a four-digit code, the longitude and
latitude of the city centre, and 2000/2010 census population (万人).
"""

from __future__ import annotations

from cityclusters.data.sources.reading import read_checked, to_number

CITYINFO = "malin84__transportation_networks_of_china/pref_pair/cityinfo.csv"


def read_city_centres():
    """City-centre lon/lat with the six-digit code (four-digit code × 100) and Chinese name."""
    frame = read_checked(
        CITYINFO,
        {"dzcode": "code4", "coord_long": "lon", "coord_lat": "lat", "cityname_chn": "name_zh", "cityname_eng": "name_en"},
    )
    frame = to_number(frame, ["code4", "lon", "lat"], CITYINFO)
    frame["code"] = (frame["code4"] * 100).astype(int)
    return frame.drop(columns="code4")
