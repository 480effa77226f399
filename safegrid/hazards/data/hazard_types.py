"""Seeded hazard types (隐患类型); administrators may add more rows in the table."""

HAZARD_TYPES = [
    ("electrical", "电气线路"), ("fire_facilities", "消防设施"), ("safety_exits", "安全通道"),
    ("hazchem_storage", "危化品储存"), ("special_equipment", "特种设备"), ("work_at_height", "高处作业"),
    ("confined_space", "有限空间"), ("gas_use", "燃气使用"), ("machine_guarding", "机械防护"),
    ("dust_explosion", "粉尘防爆"), ("hot_work", "动火作业"), ("building_structure", "建筑结构"),
    ("safety_management", "安全管理制度"), ("training_certificates", "教育培训与持证"),
    ("ppe", "劳动防护用品"), ("emergency", "应急管理"), ("other", "其他"),
]
