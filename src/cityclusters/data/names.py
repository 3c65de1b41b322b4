"""City names: short Chinese names and Hanyu Pinyin.

Pinyin is generated with ``pypinyin`` (phrase dictionary) from the short name and
corrected by the cited overrides in ``data/facts/pinyin_overrides.csv`` where the
generator reads a polyphonic character wrongly (长治 is Changzhi, not Zhangzhi). The
overrides were found by comparing the generated names with the English names of two
independent sources (Ma & Tang 2024 ``cityinfo.csv``; CSMAR CRE ``Ctnm_en``); a test keeps
that comparison.
"""

from __future__ import annotations

import re
from functools import lru_cache

from cityclusters.data.facts import read_fact

# Ethnic-group names that appear in autonomous prefectures' names (自治州).
_ETHNIC = (
    "苗族", "侗族", "土家族", "蒙古族", "蒙古", "藏族", "柯尔克孜", "哈萨克", "回族", "白族",
    "彝族", "哈尼族", "壮族", "傣族", "景颇族", "傈僳族", "朝鲜族", "布依族", "羌族",
)
_SUFFIXES = ("自治州", "地区", "林区", "盟", "市")


def short_name(name_zh: str) -> str:
    """The name without its administrative suffix: 黔东南苗族侗族自治州 → 黔东南, 成都市 → 成都."""
    name = name_zh.strip()
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            name = name[: -len(suffix)]
            break
    changed = True
    while changed:
        changed = False
        for group in _ETHNIC:
            if name.endswith(group) and len(name) > len(group):
                name, changed = name[: -len(group)], True
    return name


@lru_cache(maxsize=1)
def pinyin_overrides() -> dict[str, str]:
    """Short name → pinyin, from the committed, cited override table."""
    table = read_fact("pinyin_overrides.csv")
    return dict(zip(table["name_zh"], table["pinyin"]))


def to_pinyin(name_zh: str) -> str:
    """Hanyu Pinyin of a place name, without tones, one word, apostrophe where needed.

    Examples: 成都市 → Chengdu, 西安市 → Xi'an, 吕梁市 → Lüliang, 黔东南苗族侗族自治州 → Qiandongnan.
    """
    short = short_name(name_zh)
    override = pinyin_overrides().get(short)
    if override:
        return override
    from pypinyin import Style, pinyin  # imported here: its dictionaries take a quarter second

    syllables = [s[0] for s in pinyin(short, style=Style.NORMAL, v_to_u=True, errors="ignore")]
    if not syllables:
        raise ValueError(f"cannot romanise city name {name_zh!r}")
    word = syllables[0]
    for syllable in syllables[1:]:
        # the apostrophe separates a syllable starting with a, o or e (Xi'an, Lu'an)
        word += ("'" if re.match(r"[aoe]", syllable) else "") + syllable
    return word[0].upper() + word[1:]


def bilingual(name_zh: str, pinyin: str) -> str:
    """Label a place as 汉字 (pinyin), the book's convention.

    >>> bilingual("成都", "Chengdu")
    '成都 (Chengdu)'
    """
    return f"{name_zh} ({pinyin})"
