"""City names: short names and pinyin, including the cited polyphone overrides."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from cityclusters.data.names import short_name, to_pinyin
from tests.conftest import requires_mirror


@pytest.mark.parametrize(
    "name, short",
    [("成都市", "成都"), ("黔东南苗族侗族自治州", "黔东南"), ("黔南布依族苗族自治州", "黔南"),
     ("锡林郭勒盟", "锡林郭勒"), ("阿克苏地区", "阿克苏"), ("海西蒙古族藏族自治州", "海西"),
     ("神农架林区", "神农架"), ("沙市", "沙市")],
)
def test_short_name(name, short):
    assert short_name(name) == short


@pytest.mark.parametrize(
    "name, pinyin",
    [("重庆市", "Chongqing"), ("成都市", "Chengdu"), ("贵阳市", "Guiyang"), ("西安市", "Xi'an"),
     ("六安市", "Lu'an"), ("吕梁市", "Lüliang"), ("长治市", "Changzhi"), ("漯河市", "Luohe"),
     ("蚌埠市", "Bengbu"), ("亳州市", "Bozhou"), ("长沙市", "Changsha"), ("乐山市", "Leshan")],
)
def test_pinyin(name, pinyin):
    assert to_pinyin(name) == pinyin


@pytest.mark.slow
@requires_mirror
def test_pinyin_agrees_with_two_independent_english_name_lists():
    """Every generated pinyin matches the English names of Ma & Tang (2024) or CSMAR, apart
    from the conventional non-pinyin forms listed here (Hohhot, Harbin, Urumqi, ...)."""
    from cityclusters.data.sources import crosswalk, csmar, transport

    conventional = {"呼和浩特市", "鄂尔多斯市", "乌兰察布市", "哈尔滨市", "齐齐哈尔市", "佳木斯市",
                    "乌鲁木齐市", "克拉玛依市", "拉萨市", "博尔塔拉蒙古自治州", "阿克苏地区",
                    "和田地区", "伊犁地区", "黔西南布依族苗族自治州", "普洱市", "襄阳市",
                    "锡林郭勒盟", "克孜勒苏柯尔克孜自治州", "阿勒泰地区", "六安市", "吕梁市",
                    "呼伦贝尔市", "济宁市"}

    def norm(text):
        text = "" if pd.isna(text) else str(text).lower()
        return re.sub(r"\(city\)|city|prefecture|prefeture|region|league|autonomous|\d|[ '’()\-]", "", text)

    ents = crosswalk.entities()
    ma = transport.read_city_centres().set_index("code")["name_en"]
    cs = csmar.read_csmar_gdp().sort_values("year").drop_duplicates("code", keep="last").set_index("code")["name_en"]
    disagreements = []
    for row in ents.itertuples():
        generated = norm(to_pinyin(row.name_zh)).replace("ü", "v")
        names = [norm(ma.get(row.city_code)), norm(cs.get(row.city_code))]
        names = [n for n in names if n]
        if names and not any(n.startswith(generated) or n == generated for n in names):
            if row.name_zh not in conventional:
                disagreements.append((row.name_zh, to_pinyin(row.name_zh), names))
    assert disagreements == []


def test_label_cities_draws_a_marker_and_a_bilingual_label():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from cityclusters.figures.maps import label_cities

    fig, ax = plt.subplots()
    cities = pd.DataFrame({"city_code": [510100, 500100], "lon": [104.07, 106.55], "lat": [30.67, 29.58],
                           "name_short_zh": ["成都", "重庆"], "name_pinyin": ["Chengdu", "Chongqing"]})
    label_cities(ax, cities, [510100])
    assert [t.get_text() for t in ax.texts] == ["成都\nChengdu"]
    assert len(ax.lines) == 1
    plt.close(fig)
