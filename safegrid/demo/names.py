"""Names for the demo county: real 赫山区 towns and departments, generated villages and people."""

from dataclasses import dataclass

PROVINCE = ("430000", "湖南省")
CITY = ("430900", "益阳市")
COUNTY = ("430903", "赫山区")


@dataclass(frozen=True)
class TownName:
    code: str  # 12-digit statistics code
    name: str

    @property
    def is_street(self):
        """Statistics convention: 001-099 are streets (街道), 100 and above towns (镇/乡)."""
        return int(self.code[6:9]) < 100


# Streets first (001-), then towns (100-). 八字哨镇 keeps 101 as in safegrid.testing.
TOWNS = [
    TownName("430903001000", "会龙山街道"),
    TownName("430903002000", "桃花仑街道"),
    TownName("430903003000", "金银山街道"),
    TownName("430903004000", "赫山街道"),
    TownName("430903005000", "龙光桥街道"),
    TownName("430903006000", "鱼形山街道"),
    TownName("430903100000", "欧江岔镇"),
    TownName("430903101000", "八字哨镇"),
    TownName("430903102000", "新市渡镇"),
    TownName("430903103000", "衡龙桥镇"),
    TownName("430903104000", "泥江口镇"),
    TownName("430903105000", "岳家桥镇"),
    TownName("430903106000", "沧水铺镇"),
    TownName("430903107000", "兰溪镇"),
    TownName("430903108000", "谢林港镇"),
    TownName("430903200000", "笔架山乡"),
]
# The --small tree: one street and one town are enough for every role.
SMALL_TOWNS = ["会龙山街道", "八字哨镇", "兰溪镇"]

DEPARTMENTS = [
    ("区应急管理局", "应急局"),
    ("区住房和城乡建设局", "住建局"),
    ("区交通运输局", "交通局"),
    ("区市场监督管理局", "市场监管局"),
    ("区消防救援大队", "消防大队"),
    ("区教育局", "教育局"),
    ("区商务局", "商务局"),
    ("区文化旅游广电体育局", "文旅广体局"),
    ("区工业和信息化局", "工信局"),
    ("区农业农村局", "农业农村局"),
    ("区自然资源局", "自然资源局"),
    ("区城市管理局", "城管局"),
    ("区水利局", "水利局"),
    ("区卫生健康局", "卫健局"),
]

_VILLAGE_FIRST = "石桃金花龙泉青松竹杨柳梅荷新东西南北高马黄白云凤长双福兴和大三五枫樟茶"
_VILLAGE_SECOND = "塘湖山桥岭冲坪湾港铺田洲溪坝园林峰口湘河"
_COMMUNITY_FIRST = "金银桃龙康福兴和安朝碧锦清紫迎梓香丽翠春"
_COMMUNITY_SECOND = "园苑城湖桥山溪岭华阳江泉林庭湾"

_SURNAMES = "刘李周彭曾谭罗贺黄熊陈张王杨胡邓龚郭何肖蔡夏汤文易龙向钟姚谢"
_GIVEN = "建国华明伟芳丽军勇强平红霞志刚海燕斌杰娟秀英敏涛峰辉超俊玲静文兵"
_NUMERALS = "一二三四五六七八九十"


def village_name(rng, used, community):
    """A plausible village (村) or community (社区) name not yet in `used`."""
    first, second, suffix = (
        (_COMMUNITY_FIRST, _COMMUNITY_SECOND, "社区") if community else (_VILLAGE_FIRST, _VILLAGE_SECOND, "村")
    )
    while True:
        name = rng.choice(first) + rng.choice(second) + suffix
        if name not in used:
            used.add(name)
            return name


def grid_name(village, number):
    """会龙山社区 -> 会龙山第一网格."""
    stem = village.removesuffix("社区").removesuffix("村")
    return f"{stem}第{_NUMERALS[number - 1]}网格"


def person_name(rng):
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
