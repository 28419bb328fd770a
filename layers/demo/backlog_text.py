"""Texts and weights for the demo backlog: what residents of Qitaihe report in late November."""

from __future__ import annotations

import numpy as np

# Small class → relative weight (others 1.0, emergencies 0.3): heating season first, then
# water, rubbish and roads.
CATEGORY_WEIGHTS: dict[str, float] = {
    "1001": 16.0, "1002": 6.0, "1101": 5.0, "1102": 6.0, "0102": 4.0, "0103": 7.0,
    "0104": 3.0, "1401": 5.0, "1402": 2.0, "1403": 3.0, "1201": 2.0, "1202": 1.5,
    "1301": 3.0, "1302": 1.5, "1303": 2.0, "0403": 2.0, "1602": 2.0, "0201": 1.5,
    "0105": 0.5,
}
SOURCE_WEIGHTS: dict[str, float] = {
    "online_group": 35, "grid_visit": 25, "hotline": 15, "rider_snapshot": 10,
    "resident_meeting": 5, "supervision_line": 4, "other": 6,
}
TITLES: dict[str, tuple[str, ...]] = {
    "1001": ("暖气不热，室温不到16度", "家里暖气片冰凉", "单元楼暖气整体不热", "老人家里暖气不热"),
    "1002": ("暖气管道漏水", "楼道暖气管滴水结冰", "暖气阀门漏水"),
    "1101": ("小区停水没有通知", "整栋楼停水", "水压太低楼上没水"),
    "1102": ("下水道堵塞返水", "楼下排水井冒水", "厨房下水不通"),
    "0102": ("路边垃圾堆放多日", "楼后暴露垃圾无人清理"),
    "0103": ("垃圾箱满了没人清运", "小区垃圾清运不及时", "垃圾站周边脏乱"),
    "0104": ("路面积雪结冰未清扫", "道路脏乱不洁"),
    "1401": ("路面坑洼积水", "人行道砖松动破损", "道路破损车辆难行"),
    "1402": ("小区健身器材损坏", "广场座椅损坏"),
    "1403": ("路灯不亮晚上太黑", "一排路灯都不亮"),
    "1201": ("停电半天未恢复", "楼道停电没人修"),
    "1301": ("物业不作为楼道脏乱", "物业服务差无人管"),
    "1303": ("弃管楼屋顶漏水无人管", "弃管小区无人清雪"),
    "0403": ("夜间商铺噪音扰民", "楼下烧烤店噪音大"),
    "1602": ("邻居占用楼道堆放杂物", "楼上漏水邻里协商不成"),
}
RESOLVE_NOTES = ("已现场处理完毕", "已安排人员维修完成", "已协调相关单位处理", "已清理完毕",
                 "已与居民沟通并解决")


def title_for(code: str, name: str, rng: np.random.Generator) -> str:
    """Return a plausible title for a report of small class `code` (its name when none)."""
    options = TITLES.get(code)
    return str(rng.choice(options)) if options else name
