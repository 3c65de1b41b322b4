"""The book's shared vocabulary: clusters, provinces, the panel's years and the map projection.

Every layer reads these names from here, so a cluster id or a year bound is written once.
The clusters' member cities are a cited fact table (``data/facts/cluster_members.csv``,
read by :func:`cityclusters.data.tables.clusters`); this module only names them.
"""

from __future__ import annotations

#: Provinces (province-level units) of mainland China, as the sources spell them.
PROVINCES = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
    "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省",
    "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省",
    "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
)

#: The clusters of the book, by id (the order in which tables and figures list them).
CLUSTER_IDS = ("chengyu", "qianzhong", "chengyugui", "yrd26", "yrd41", "middle_yangtze", "jingjinji")

#: The years of the city–year panel (:func:`cityclusters.data.tables.city_year`).
FIRST_YEAR, LAST_YEAR = 2000, 2023

#: The clusters of the book, with display names (Chinese, English).
CLUSTERS = {
    "chengyu": ("成渝城市群", "Chengdu–Chongqing"),
    "qianzhong": ("黔中城市群", "Central Guizhou (Qianzhong)"),
    "chengyugui": ("成渝贵城市群", "Chengdu–Chongqing–Guiyang"),
    "yrd26": ("长三角城市群（26市）", "Yangtze River Delta (26)"),
    "yrd41": ("长三角（三省一市41市）", "Yangtze River Delta (41)"),
    "middle_yangtze": ("长江中游城市群", "Middle Yangtze"),
    "jingjinji": ("京津冀城市群", "Beijing–Tianjin–Hebei"),
}
#: The union clusters: id → the clusters it joins.
UNIONS = {"chengyugui": ("chengyu", "qianzhong")}
#: Core cities labelled on maps: the municipalities and provincial capitals in each cluster.
CORE_CITIES = {
    "chengyu": (500100, 510100),  # 重庆, 成都
    "qianzhong": (520100,),  # 贵阳
    "chengyugui": (500100, 510100, 520100),
    "yrd26": (310100, 320100, 330100, 340100),  # 上海, 南京, 杭州, 合肥
    "yrd41": (310100, 320100, 330100, 340100),
    "middle_yangtze": (420100, 430100, 360100),  # 武汉, 长沙, 南昌
    "jingjinji": (110100, 120100, 130100),  # 北京, 天津, 石家庄
}

#: Albers equal-area conic for China.
CHINA_ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"


def cluster_label(cluster_id: str) -> str:
    """Bilingual cluster label for figures and tables, e.g. '长三角城市群 Yangtze River Delta (26)'
    (the Chinese name without its parenthesised count).

    >>> cluster_label("yrd26")
    '长三角城市群 Yangtze River Delta (26)'
    """
    zh, en = CLUSTERS[cluster_id]
    return f"{zh.split('（')[0]} {en}"


def cluster_name(cluster_id: str) -> str:
    """English name of a cluster, as tables and sentences print it.

    >>> cluster_name("middle_yangtze")
    'Middle Yangtze'
    """
    return CLUSTERS[cluster_id][1]


def cluster_names(cluster_ids=None) -> dict[str, str]:
    """Cluster id → English name, for ``cluster_ids`` (default: every cluster, in book order).

    >>> cluster_names(["chengyu", "jingjinji"])
    {'chengyu': 'Chengdu–Chongqing', 'jingjinji': 'Beijing–Tianjin–Hebei'}
    """
    return {c: cluster_name(c) for c in (CLUSTERS if cluster_ids is None else cluster_ids)}
