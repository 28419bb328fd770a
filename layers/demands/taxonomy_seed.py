"""The initial departments and demand categories (editable data once loaded).

Departments are those the source article names; categories start from the digital city
management event classes (CJ/T 214) and add the article's resident classes. Time limits follow
Beijing's 12345 practice: emergencies 2 h, water/power/gas/heating 24 h, ordinary 7 working
days, complex 15 working days.
"""

from __future__ import annotations

DEPARTMENTS: list[tuple[str, str, str]] = [
    ("police", "七台河市公安局桃山分局", "公安"),
    ("heating", "七台河市热力公司", "热力"),
    ("water", "七台河市供排水公司", "供排水"),
    ("power", "国网七台河供电公司", "供电"),
    ("housing", "桃山区住房和城乡建设局", "住建"),
    ("civil", "桃山区民政局", "民政"),
    ("urban", "桃山区城市管理综合行政执法局", "城管执法"),
    ("market", "桃山区市场监督管理局", "市场监管"),
    ("health", "桃山区卫生健康局", "卫健"),
    ("river", "桃山区生态环境分局（河长办）", "河长办"),
]

EMERGENCY = (2, "hours")
UTILITY = (24, "hours")
ORDINARY = (7, "working_days")
COMPLEX = (15, "working_days")

# 大类 code, name, [(小类 code, name, department, community can solve, limit, urgent)]
CATEGORIES: list[tuple[str, str, list[tuple[str, str, str, bool, tuple[int, str], bool]]]] = [
    ("01", "市容环境", [
        ("0101", "私搭乱建", "urban", False, ORDINARY, False),
        ("0102", "暴露垃圾", "urban", True, (3, "working_days"), False),
        ("0103", "垃圾清运", "urban", True, (3, "working_days"), False),
        ("0104", "道路不洁", "urban", True, (3, "working_days"), False),
        ("0105", "河道漂浮物", "river", False, UTILITY, False),
    ]),
    ("02", "宣传广告", [
        ("0201", "非法小广告", "urban", True, (3, "working_days"), False),
        ("0202", "违规户外广告", "urban", False, ORDINARY, False),
    ]),
    ("03", "施工管理", [
        ("0301", "施工扰民", "urban", False, (3, "working_days"), False),
        ("0302", "道路遗撒", "urban", False, UTILITY, False),
    ]),
    ("04", "街面秩序", [
        ("0401", "无照经营游商", "urban", False, (3, "working_days"), False),
        ("0402", "占道经营", "urban", False, (3, "working_days"), False),
        ("0403", "噪音扰民", "urban", True, (3, "working_days"), False),
    ]),
    ("05", "突发事件", [
        ("0501", "路面塌陷", "housing", False, EMERGENCY, True),
        ("0502", "供水管道爆裂", "water", False, EMERGENCY, True),
        ("0503", "燃气泄漏", "housing", False, EMERGENCY, True),
        ("0504", "井盖缺失", "water", False, EMERGENCY, True),
    ]),
    ("10", "供暖", [
        ("1001", "暖气不热", "heating", False, UTILITY, False),
        ("1002", "暖气漏水", "heating", False, UTILITY, False),
    ]),
    ("11", "供排水", [
        ("1101", "停水", "water", False, UTILITY, False),
        ("1102", "下水道堵塞", "water", False, UTILITY, False),
    ]),
    ("12", "供电", [
        ("1201", "停电未及时抢修", "power", False, UTILITY, False),
        ("1202", "线路隐患", "power", False, UTILITY, False),
    ]),
    ("13", "物业管理", [
        ("1301", "物业服务差", "housing", False, ORDINARY, False),
        ("1302", "物业收费争议", "housing", False, COMPLEX, False),
        ("1303", "弃管楼管理", "housing", True, ORDINARY, False),
    ]),
    ("14", "道路设施", [
        ("1401", "道路破损", "housing", False, ORDINARY, False),
        ("1402", "小区广场设施破损", "housing", True, ORDINARY, False),
        ("1403", "路灯不亮", "urban", False, ORDINARY, False),
    ]),
    ("15", "食品安全", [
        ("1501", "食品安全问题", "market", False, ORDINARY, False),
    ]),
    ("16", "社会服务", [
        ("1601", "困难群众帮扶", "civil", True, COMPLEX, False),
        ("1602", "邻里纠纷", "civil", True, ORDINARY, False),
        ("1603", "治安隐患", "police", False, UTILITY, False),
        ("1604", "医疗卫生", "health", False, ORDINARY, False),
    ]),
]
