"""The demo county 示范县: its units, people, roles, A/B backups and the
工作专班 of seed 000 §四.

This module only describes the county; `manage.py load_demo` writes it
through the organisation's service functions. Names, phone numbers and
mobiles are generated from fixed lists with a fixed random seed, so every
run produces the same county. All numbers are fictional.

Only the accounts in DEMO_LOGINS get a password (DEMO_PASSWORD); every other
generated person gets an unusable password.
"""

import random
from dataclasses import dataclass, field

SEED = 2026
DEMO_PASSWORD = "Duban@2026"
AREA_CODE = "0851"

GOVERNMENT = "县人民政府"
GOV_OFFICE = "县政府办公室"
DUCHASHI = "督查室"
DUBAN_BUREAU = "县委督办督查局"
TASK_FORCE = "县政府系统“改进作风、狠抓落实”年工作专班"

# The twelve departments every demo must have (exact names), then a few more.
# (name, username prefix, [(office name, username suffix), ...])
DEPARTMENTS = [
    ("县发展和改革局", "fagai", [("办公室", "bgs"), ("综合股", "zhg"), ("重点项目股", "xmg")]),
    ("县教育局", "jiaoyu", [("办公室", "bgs"), ("基础教育股", "jjg"), ("学校安全股", "aqg")]),
    ("县公安局", "gongan", [("办公室", "bgs"), ("治安管理大队", "zadd")]),
    ("县财政局", "caizheng", [("办公室", "bgs"), ("预算股", "ysg"), ("国库股", "gkg")]),
    ("县自然资源局", "ziran", [("办公室", "bgs"), ("耕地保护股", "gdg")]),
    ("县住房和城乡建设局", "zhujian", [("办公室", "bgs"), ("城市建设股", "csg")]),
    ("县交通运输局", "jiaotong", [("办公室", "bgs"), ("公路建设股", "glg")]),
    ("县农业农村局", "nongye", [("办公室", "bgs"), ("乡村振兴股", "xcg")]),
    ("县卫生健康局", "weijian", [("办公室", "bgs"), ("医政医管股", "yzg")]),
    ("县应急管理局", "yingji", [("办公室", "bgs"), ("应急指挥股", "zhg"), ("安全生产监管股", "aqg")]),
    ("县市场监督管理局", "shichang", [("办公室", "bgs"), ("食品安全监管股", "spg")]),
    ("县行政审批服务局", "shenpi", [("办公室", "bgs"), ("政务服务股", "zwg")]),
    ("县人力资源和社会保障局", "renshe", [("办公室", "bgs"), ("就业促进股", "jyg")]),
    ("县生态环境局", "huanjing", [("办公室", "bgs"), ("环境监测股", "jcg")]),
    ("县水务局", "shuiwu", [("办公室", "bgs"), ("水利工程股", "slg")]),
    ("县信访局", "xinfang", [("办公室", "bgs"), ("接访办信股", "jfg")]),
]
REQUIRED_DEPARTMENTS = [name for name, _, _ in DEPARTMENTS[:12]]

# (name, username prefix, kind of head): 镇 has 镇长, 乡 乡长, 街道 办事处主任.
TOWNS = [
    ("城关镇", "chengguan"),
    ("东城街道", "dongcheng"),
    ("西城街道", "xicheng"),
    ("河口镇", "hekou"),
    ("青山镇", "qingshan"),
    ("柳林镇", "liulin"),
    ("石桥镇", "shiqiao"),
    ("白云乡", "baiyun"),
    ("龙泉镇", "longquan"),
]
TOWN_OFFICE = "党政办公室"

# The demo logins: the only accounts with a known password. Every role has
# at least one of them. (username, what it is for)
DEMO_LOGINS = [
    ("duchashi", "督查室主任（督查室）"),
    ("jiaoyu_lly", "县教育局联络员"),
    ("jiaoyu_fzr", "县教育局局长（单位负责人）"),
    ("caizheng_lly", "县财政局联络员（外出中，由B角代办）"),
    ("caizheng_b", "单位联络员的B角"),
    ("chengguan_lly", "城关镇联络员"),
    ("xianzhang", "县长（领导）"),
    ("changwu", "常务副县长（领导，工作专班组长）"),
    ("zhiban", "值班员"),
    ("daiban", "带班领导"),
    ("sysadmin", "系统管理员"),
    ("secadmin", "安全管理员"),
    ("auditor", "审计管理员"),
]
DEMO_USERNAMES = [u for u, _ in DEMO_LOGINS]

# Who is marked away now, so that A/B routing shows: (username, reason, days)
AWAY = ("caizheng_lly", "参加市委党校中青年干部培训班", 14)

TASK_FORCE_PURPOSE = (
    "统筹推进县政府系统“改进作风、狠抓落实”年工作开展情况的督查检查、考核评比、兑现奖惩，"
    "做好与省级、市级专班的纵向沟通和县纪委县监委、县委组织部的横向联系，及时将相关工作要求传导到各单位。"
)
TASK_FORCE_BASIS = "《县政府系统“改进作风、狠抓落实”年工作实施方案》四、保障措施（一）强化组织领导"

# (username, 小组职务, 分工职责)
TASK_FORCE_MEMBERS = [
    ("changwu", "组长", "全面负责专班工作，统筹推进“改进作风、狠抓落实”年各项任务"),
    ("zfb_fzr", "副组长", "协助组长抓好统筹协调，负责县政府系统督查督办和专班日常工作"),
    ("dbdcj_fzr", "副组长", "负责巡回督导、随机抽查、明察暗访，做好与县纪委县监委、县委组织部的横向联系"),
    ("duchashi", "成员", "负责问题清单台账汇总、督办通报和整改销号审核"),
    ("fagai_fzr", "成员", "负责“我为项目作贡献”活动和重点项目建设推进情况的督促"),
    ("caizheng_fzr", "成员", "负责工作经费保障，督促财政资金拨付和惠企政策兑现"),
    ("renshe_fzr", "成员", "负责作风建设考核结果运用和激励表彰相关工作"),
    ("shenpi_fzr", "成员", "负责优化营商环境、提升政务服务效能，整治“吃拿卡要”"),
    ("shichang_fzr", "成员", "负责规范涉企检查，整治市场监管领域作风问题"),
    ("xinfang_fzr", "成员", "负责群众反映问题线索的收集、转办和跟踪反馈"),
    ("zhuanban_fzr", "成员兼专班办公室主任", "负责专班办公室日常工作和情况汇总"),
    ("zhuanban_lly", "联络员", "负责专班日常联络、信息报送和台账管理"),
]

# ---------------------------------------------------------------- names --

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# The most common surnames are drawn more often, as in a real county.
SURNAME_WEIGHTS = [12 if i < 5 else 6 if i < 20 else 2 for i in range(len(SURNAMES))]
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华飞鹏辉建波宁红玉琳雪梅兰英俊峰斌浩宇凯亮晨欣婷颖佳"
    "志国文荣海燕春秋丹晓东林松云鑫琴萍洁莉雯慧瑞鸿彬昊宏博远坤泽轩健永庆德新利德清群成正兴家"
)


@dataclass
class UnitSpec:
    key: tuple  # names from the root, e.g. ("县人民政府", "县教育局", "办公室")
    kind: str
    short_name: str = ""
    phone: str = ""
    sort_order: int = 0

    @property
    def name(self):
        return self.key[-1]

    @property
    def parent_key(self):
        return self.key[:-1] or None


@dataclass
class PersonSpec:
    username: str
    full_name: str
    unit: tuple
    position: str
    office_phone: str = ""
    mobile: str = ""
    is_leader: bool = False
    sort_order: int = 0
    roles: list = field(default_factory=list)  # [(role, scope unit key or None)]

    @property
    def is_demo(self):
        return self.username in DEMO_USERNAMES


@dataclass
class Plan:
    units: list
    people: list
    backups: list  # [(username, backup username)]
    away: tuple
    task_force: dict

    def person(self, username) -> PersonSpec:
        return next(p for p in self.people if p.username == username)


class _Gen:
    """Deterministic names and numbers."""

    def __init__(self, seed=SEED):
        self.rng = random.Random(seed)
        self.names = set()
        self.mobiles = set()
        self.phones = set()

    def name(self):
        while True:
            surname = self.rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
            size = 1 if self.rng.random() < 0.3 else 2
            given = "".join(self.rng.choice(GIVEN_CHARS) for _ in range(size))
            full = surname + given
            if full not in self.names and len(set(given)) == len(given):
                self.names.add(full)
                return full

    def mobile(self):
        while True:
            m = "1" + self.rng.choice(["33", "35", "37", "38", "39", "50", "51", "52", "58", "59", "77",
                                       "80", "86", "87", "89"]) + f"{self.rng.randrange(10**8):08d}"
            if m not in self.mobiles:
                self.mobiles.add(m)
                return m

    def phone(self):
        while True:
            p = f"{AREA_CODE}-8{self.rng.randrange(10**6):06d}"
            if p not in self.phones:
                self.phones.add(p)
                return p


def build_plan() -> Plan:
    """The whole demo county, always the same."""
    g = _Gen()
    units: list[UnitSpec] = []
    people: list[PersonSpec] = []
    backups: list[tuple] = []

    def unit(key, kind, short_name="", sort_order=0):
        spec = UnitSpec(key=key, kind=kind, short_name=short_name, phone=g.phone(), sort_order=sort_order)
        units.append(spec)
        return spec

    def person(username, unit_key, position, *roles, is_leader=False, sort_order=0):
        p = PersonSpec(username=username, full_name=g.name(), unit=unit_key, position=position,
                       office_phone=g.phone(), mobile=g.mobile(), is_leader=is_leader, sort_order=sort_order,
                       roles=list(roles))
        people.append(p)
        return p

    gov = (GOVERNMENT,)
    unit(gov, "government", short_name="县政府")

    # County leaders: 县长 heads the government; all are 领导 over its tree.
    person("xianzhang", gov, "县长", ("leader", gov), ("unit_head", None), is_leader=True, sort_order=1)
    person("changwu", gov, "常务副县长", ("leader", gov), is_leader=True, sort_order=2)
    person("fuxianzhang1", gov, "副县长", ("leader", gov), is_leader=True, sort_order=3)
    person("fuxianzhang2", gov, "副县长", ("leader", gov), is_leader=True, sort_order=4)
    person("fuxianzhang3", gov, "副县长", ("leader", gov), is_leader=True, sort_order=5)
    person("zhengfu_lly", gov, "县政府秘书、联络员", ("liaison", None), sort_order=6)
    person("zhengfu_b", gov, "县政府秘书", sort_order=7)
    backups.append(("zhengfu_lly", "zhengfu_b"))

    # 县政府办公室 with its 督查室; the duty pair, the duty leader and the
    # three separated administrators sit in the office.
    office = (GOVERNMENT, GOV_OFFICE)
    unit(office, "department", short_name="县政府办", sort_order=1)
    person("zfb_fzr", office, "县政府办公室主任", ("unit_head", None), is_leader=True, sort_order=1)
    person("daiban", office, "县政府办公室副主任", ("duty_leader", None), is_leader=True, sort_order=2)
    person("zfb_lly", office, "秘书科科长、联络员", ("liaison", None), sort_order=3)
    person("zfb_b", office, "秘书科科员", sort_order=4)
    person("zhiban", office, "总值班室值班员", ("duty_officer", None), sort_order=5)
    person("zhiban2", office, "总值班室值班员", ("duty_officer", None), sort_order=6)
    person("sysadmin", office, "信息化科科长（系统管理员）", ("system_admin", None), sort_order=7)
    person("secadmin", office, "信息化科副科长（安全管理员）", ("security_admin", None), sort_order=8)
    person("auditor", office, "信息化科科员（审计管理员）", ("audit_admin", None), sort_order=9)
    backups.append(("zfb_lly", "zfb_b"))

    dcs = (GOVERNMENT, GOV_OFFICE, DUCHASHI)
    unit(dcs, "office", sort_order=1)
    person("duchashi", dcs, "督查室主任", ("supervisor", gov), ("unit_head", None), sort_order=1)
    person("duchashi_lly", dcs, "督查室副主任、联络员", ("supervisor", gov), ("liaison", None), sort_order=2)
    person("duchashi_b", dcs, "督查室科员", ("supervisor", gov), sort_order=3)
    backups.append(("duchashi_lly", "duchashi_b"))

    # Departments, each with its offices (科室/股).
    for i, (name, slug, offices) in enumerate(DEPARTMENTS, start=10):
        dept = (GOVERNMENT, name)
        unit(dept, "department", short_name=name.removeprefix("县"), sort_order=i)
        head_title = "局长"
        person(f"{slug}_fzr", dept, head_title, ("unit_head", None), is_leader=True, sort_order=1)
        person(f"{slug}_lly", dept, "办公室副主任、联络员", ("liaison", None), sort_order=2)
        person(f"{slug}_b", dept, "办公室科员（联络员B角）", sort_order=3)
        backups.append((f"{slug}_lly", f"{slug}_b"))
        for j, (office_name, suffix) in enumerate(offices, start=1):
            key = (*dept, office_name)
            unit(key, "office", sort_order=j)
            title = "办公室主任" if office_name == "办公室" else "大队长" if office_name.endswith("大队") else "股长"
            # A small office's chief is both its head and its liaison; the
            # department's liaison stands in for them (B角).
            person(f"{slug}_{suffix}", key, title, ("unit_head", None), ("liaison", None), sort_order=1)
            backups.append((f"{slug}_{suffix}", f"{slug}_lly"))

    # Towns and streets, each with its 党政办公室.
    for i, (name, slug) in enumerate(TOWNS, start=50):
        town = (GOVERNMENT, name)
        unit(town, "town", sort_order=i)
        if name.endswith("街道"):
            secretary, head = "党工委书记", "办事处主任"
        elif name.endswith("乡"):
            secretary, head = "党委书记", "乡长"
        else:
            secretary, head = "党委书记", "镇长"
        person(f"{slug}_sj", town, secretary, is_leader=True, sort_order=1)
        person(f"{slug}_fzr", town, head, ("unit_head", None), is_leader=True, sort_order=2)
        person(f"{slug}_lly", town, "党政办主任、联络员", ("liaison", None), sort_order=3)
        person(f"{slug}_b", town, "党政办科员（联络员B角）", sort_order=4)
        backups.append((f"{slug}_lly", f"{slug}_b"))
        key = (*town, TOWN_OFFICE)
        unit(key, "office", sort_order=1)
        person(f"{slug}_dzb", key, "党政办副主任", ("unit_head", None), ("liaison", None), sort_order=1)
        backups.append((f"{slug}_dzb", f"{slug}_lly"))

    # The task force's node in the government tree, with its office staff.
    tf = (GOVERNMENT, TASK_FORCE)
    unit(tf, "task_force", short_name="作风年工作专班", sort_order=90)
    person("zhuanban_fzr", tf, "专班办公室主任", ("unit_head", None), sort_order=1)
    person("zhuanban_lly", tf, "专班办公室联络员", ("liaison", None), sort_order=2)
    person("zhuanban_b", tf, "专班办公室工作人员", sort_order=3)
    backups.append(("zhuanban_lly", "zhuanban_b"))

    # 县委督办督查局 is a party organ: its own root, outside the government tree.
    bureau = (DUBAN_BUREAU,)
    unit(bureau, "department", short_name="督办督查局", sort_order=2)
    person("dbdcj_fzr", bureau, "局长", ("unit_head", None), is_leader=True, sort_order=1)
    person("dbdcj_lly", bureau, "综合科科长、联络员", ("liaison", None), sort_order=2)
    person("dbdcj_b", bureau, "综合科科员（联络员B角）", sort_order=3)
    backups.append(("dbdcj_lly", "dbdcj_b"))
    for j, (office_name, suffix) in enumerate([("综合科", "zhk"), ("督查科", "dck")], start=1):
        key = (*bureau, office_name)
        unit(key, "office", sort_order=j)
        person(f"dbdcj_{suffix}", key, "科长", ("unit_head", None), ("liaison", None), sort_order=1)
        backups.append((f"dbdcj_{suffix}", "dbdcj_lly"))

    task_force = {
        "name": TASK_FORCE,
        "kind": "task_force",
        "unit": tf,
        "purpose": TASK_FORCE_PURPOSE,
        "basis": TASK_FORCE_BASIS,
        "members": TASK_FORCE_MEMBERS,
    }
    return Plan(units=units, people=people, backups=backups, away=AWAY, task_force=task_force)
