"""Seeded checklists (检查表) and leaders' quotas; loaded by migration 0002.

Each item: (text, basis article, hazard type code, criterion key or None). A criterion key
(sector, edition, article, item) names a MajorHazardCriterion row (hazards/data): failing
the item proposes a major hazard with that criterion recorded.

Sources: 安监总管三〔2017〕121号 (化工和危险化学品 / 烟花爆竹重大隐患判定标准); 应急管理部令第10号
(工贸企业重大事故隐患判定标准, 2023); 《消防法》(2021) and 《机关、团体、企业、事业单位消防安全
管理规定》(公安部令第61号) for small venues; 《城镇燃气管理条例》(国务院令第583号, 2016 修订)
for town gas. Administrators may add checklists and items in the admin.
"""

HC = ("hazardous_chemicals", "2017")
IT = ("industry_trade", "2023")

CHECKLISTS = [
    {
        "code": "hazardous_chemicals",
        "name": "危险化学品生产经营单位检查表",
        "categories": ["hazardous_chemicals"],
        "basis": "《安全生产法》(2021)；化工和危险化学品生产经营单位重大生产安全事故隐患判定标准(试行)(安监总管三〔2017〕121号)",
        "items": [
            ("主要负责人和安全生产管理人员经考核合格", "安监总管三〔2017〕121号 第一项", "training_certificates",
             (*HC, "一", "")),
            ("特种作业人员持证上岗", "安监总管三〔2017〕121号 第二项", "training_certificates", (*HC, "二", "")),
            ("可燃和有毒有害气体泄漏场所按国家标准设置检测报警装置，爆炸危险场所使用防爆电气设备",
             "安监总管三〔2017〕121号 第十二项", "electrical", (*HC, "十二", "")),
            ("安全阀、爆破片等安全附件正常投用", "安监总管三〔2017〕121号 第十五项", "special_equipment", (*HC, "十五", "")),
            ("建立全员安全生产责任制并实施隐患排查治理制度", "安监总管三〔2017〕121号 第十六项", "safety_management",
             (*HC, "十六", "")),
            ("动火、进入受限空间等特殊作业管理制度健全并有效执行", "安监总管三〔2017〕121号 第十八项", "hot_work",
             (*HC, "十八", "")),
            ("危险化学品分区分类储存，无超量、超品种储存和禁配物质混存", "安监总管三〔2017〕121号 第二十项",
             "hazchem_storage", (*HC, "二十", "")),
            ("应急预案编制、备案并定期演练", "《安全生产法》第八十一条", "emergency", None),
        ],
    },
    {
        "code": "trade_dust_confined",
        "name": "工贸企业粉尘涉爆与有限空间检查表",
        "categories": ["trade_metallurgy", "trade_nonferrous", "trade_building_materials", "trade_machinery",
                       "trade_light_industry", "trade_textiles", "trade_tobacco", "trade_commerce"],
        "basis": "工贸企业重大事故隐患判定标准(应急管理部令第10号，2023年5月15日施行)第三条、第十一条、第十三条",
        "items": [
            ("特种作业人员经专门培训并取得相应资格上岗", "应急管理部令第10号 第三条(二)", "training_certificates",
             (*IT, "第三条", "（二）")),
            ("粉尘爆炸危险场所不在非框架结构多层建筑内，场所内无宿舍、办公室等人员聚集场所",
             "应急管理部令第10号 第十一条(一)", "dust_explosion", (*IT, "第十一条", "（一）")),
            ("干式除尘系统采取泄爆、惰化、抑爆等爆炸防控措施", "应急管理部令第10号 第十一条(三)", "dust_explosion",
             (*IT, "第十一条", "（三）")),
            ("20区粉尘爆炸危险场所电气设备符合防爆要求", "应急管理部令第10号 第十一条(七)", "electrical",
             (*IT, "第十一条", "（七）")),
            ("落实粉尘清理制度，作业现场无严重积尘", "应急管理部令第10号 第十一条(十)", "dust_explosion",
             (*IT, "第十一条", "（十）")),
            ("有限空间已辨识、建立管理台账并设置安全警示标志", "应急管理部令第10号 第十三条(一)", "confined_space",
             (*IT, "第十三条", "（一）")),
            ("有限空间作业审批，执行“先通风、再检测、后作业”，现场设监护人员", "应急管理部令第10号 第十三条(二)",
             "confined_space", (*IT, "第十三条", "（二）")),
        ],
    },
    {
        "code": "small_venues",
        "name": "九小场所消防安全检查表",
        "categories": ["small_venues", "crowded_places"],
        "basis": "《消防法》(2021)第十六条、第二十八条；《机关、团体、企业、事业单位消防安全管理规定》(公安部令第61号)",
        "items": [
            ("按标准配置灭火器等消防器材并保持完好有效", "《消防法》第十六条第一款第(二)项", "fire_facilities", None),
            ("疏散通道、安全出口畅通，未锁闭、封堵", "《消防法》第二十八条", "safety_exits", None),
            ("生产、储存、经营场所与居住场所未设置在同一建筑物内(“三合一”)，或符合消防技术标准",
             "《消防法》第十九条", "building_structure", None),
            ("电气线路敷设规范，无私拉乱接、超负荷用电", "公安部令第61号 第二十一条", "electrical", None),
            ("电动自行车未在室内、疏散通道、楼梯间停放或充电", "《消防法》第二十八条", "fire_facilities", None),
            ("开展每日防火巡查并有记录", "公安部令第61号 第二十五条", "safety_management", None),
        ],
    },
    {
        "code": "town_gas",
        "name": "城镇燃气经营及使用单位检查表",
        "categories": ["town_gas", "lpg_point"],
        "basis": "《城镇燃气管理条例》(国务院令第583号，2016年修订)第十五条、第十七条、第二十八条、第四十四条",
        "items": [
            ("取得燃气经营许可证并在许可范围内经营", "《城镇燃气管理条例》第十五条", "safety_management", None),
            ("液化石油气钢瓶定期检验，不充装、销售超期未检或报废气瓶", "《城镇燃气管理条例》第二十八条",
             "special_equipment", None),
            ("用气场所安装可燃气体报警装置并保持有效", "《城镇燃气管理条例》第十七条", "gas_use", None),
            ("燃气管道、阀门无泄漏，软管无老化、超长", "《城镇燃气管理条例》第二十八条", "gas_use", None),
            ("从业人员经专业培训并考核合格", "《城镇燃气管理条例》第十五条第一款第(三)项", "training_certificates", None),
            ("制定燃气安全事故应急预案并演练", "《城镇燃气管理条例》第四十四条", "emergency", None),
        ],
    },
    {
        "code": "general",
        "name": "生产经营单位安全生产通用检查表",
        "categories": [],
        "general": True,
        "basis": "《安全生产法》(2021)第四条、第二十一条、第二十八条、第四十一条、第八十一条",
        "items": [
            ("建立健全全员安全生产责任制和安全生产规章制度", "《安全生产法》第四条", "safety_management", None),
            ("从业人员经安全生产教育和培训合格上岗", "《安全生产法》第二十八条", "training_certificates", None),
            ("建立并落实隐患排查治理制度，如实记录隐患排查治理情况", "《安全生产法》第四十一条", "safety_management",
             None),
            ("消防设施、器材完好有效，安全出口和疏散通道畅通", "《安全生产法》第四十二条", "fire_facilities", None),
            ("为从业人员提供符合标准的劳动防护用品", "《安全生产法》第四十五条", "ppe", None),
            ("制定生产安全事故应急救援预案并定期演练", "《安全生产法》第八十一条", "emergency", None),
        ],
    },
]

# DOMAIN.md section 6 (a county's rules; provinces and counties differ: rows per region).
QUOTA_SOURCE = "县级党政领导干部安全生产责任制规定及县(区)安委会带队检查制度(通行做法)"
QUOTAS = [
    ("county_head", "year", 2),
    ("county_leader", "quarter", 1),
    ("department_head", "quarter", 1),
    ("town_head", "quarter", 1),
    ("department_deputy", "month", 1),
    ("town_deputy", "month", 1),
]


def seed(apps, schema_editor=None):
    Checklist = apps.get_model("inspections", "Checklist")
    ChecklistItem = apps.get_model("inspections", "ChecklistItem")
    Quota = apps.get_model("inspections", "Quota")
    SafetyCategory = apps.get_model("registry", "SafetyCategory")
    HazardType = apps.get_model("hazards", "HazardType")
    Criterion = apps.get_model("hazards", "MajorHazardCriterion")
    types = dict(HazardType.objects.values_list("code", "pk"))
    for spec in CHECKLISTS:
        checklist, created = Checklist.objects.get_or_create(
            code=spec["code"], defaults={"name": spec["name"], "basis": spec["basis"],
                                         "general": spec.get("general", False)})
        if not created:
            continue
        checklist.categories.set(SafetyCategory.objects.filter(code__in=spec["categories"]))
        for no, (text, basis, hazard_type, criterion) in enumerate(spec["items"], start=1):
            found = None
            if criterion:
                sector, edition, article, item = criterion
                found = Criterion.objects.filter(sector=sector, edition=edition, article=article, item=item).first()
            ChecklistItem.objects.create(checklist=checklist, no=no, text=text, basis=basis,
                                         hazard_type_id=types[hazard_type], criterion=found)
    for kind, period, minimum in QUOTAS:
        Quota.objects.get_or_create(region="*", kind=kind,
                                    defaults={"period": period, "minimum": minimum, "source": QUOTA_SOURCE})
