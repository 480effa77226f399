"""Safety supervision categories (安全监管行业类别), seeded by migration 0002.

Source: the categories county safety bureaus report in the field (../shared/DOMAIN.md
section 3), and the responsibility principle of the Work Safety Law 2021 art. 3 and 10
(管行业必须管安全、管业务必须管安全、管生产经营必须管安全). `default_lead` and
`default_cooperating` are the departments that usually take the category in a county;
they seed the demo only. Each county sets its own rules (ResponsibilityRule).
"""

SOURCE = "《安全生产法》(2021) 第三条、第十条；区县安委会成员单位安全生产工作职责分工(通行做法)"

# code, name, group, usually_unclaimed, default lead department, default cooperating departments
CATEGORIES = [
    ("hazardous_chemicals", "危险化学品", "危险化学品", False, "区应急管理局", ["区公安分局"]),
    ("non_coal_mine", "非煤矿山", "矿山", False, "区应急管理局", ["区自然资源局"]),
    ("fireworks", "烟花爆竹", "烟花爆竹", False, "区应急管理局", ["区公安分局", "区市场监督管理局"]),
    ("special_equipment", "特种设备", "特种设备", False, "区市场监督管理局", []),
    ("road_transport", "道路运输", "交通运输", False, "区交通运输局", ["区公安分局"]),
    ("construction", "建筑施工", "建设工程", False, "区住房和城乡建设局", []),
    ("town_gas", "城镇燃气", "城镇燃气", False, "区住房和城乡建设局", ["区市场监督管理局", "区消防救援大队"]),
    ("lpg_point", "液化石油气充装及供应点", "城镇燃气", False, "区住房和城乡建设局", ["区市场监督管理局"]),
    ("trade_metallurgy", "工贸·冶金", "工贸", False, "区应急管理局", ["区工业和信息化局"]),
    ("trade_nonferrous", "工贸·有色", "工贸", False, "区应急管理局", ["区工业和信息化局"]),
    ("trade_building_materials", "工贸·建材", "工贸", False, "区应急管理局", ["区工业和信息化局"]),
    ("trade_machinery", "工贸·机械", "工贸", False, "区应急管理局", ["区工业和信息化局"]),
    ("trade_light_industry", "工贸·轻工", "工贸", False, "区应急管理局", ["区工业和信息化局"]),
    ("trade_textiles", "工贸·纺织", "工贸", False, "区应急管理局", ["区工业和信息化局"]),
    ("trade_tobacco", "工贸·烟草", "工贸", False, "区应急管理局", ["区烟草专卖局"]),
    ("trade_commerce", "工贸·商贸", "工贸", False, "区商务局", ["区应急管理局"]),
    ("crowded_places", "人员密集场所", "消防", False, "区消防救援大队", ["区商务局", "区文化旅游广电体育局"]),
    ("small_venues", "九小场所", "消防", False, "区消防救援大队", []),
    ("schools", "学校及校外培训机构", "教育", False, "区教育局", ["区消防救援大队"]),
    ("tourism_culture", "文化旅游场所", "文化旅游", False, "区文化旅游广电体育局", ["区消防救援大队"]),
    ("agricultural_machinery", "农业机械", "农业", False, "区农业农村局", []),
    ("interior_decoration", "室内装饰装修", "监管空白", True, None, []),
    ("high_rise_exterior", "高空外墙作业(蜘蛛人)", "监管空白", True, None, []),
    ("express_delivery", "快递物流", "监管空白", True, None, []),
]
