"""The demo county's cases for the accountability and integrity reviews
(issue 18: ACC-2, ACC-3, AUD-3), written through duban.supervision.services
after the year of demo matters (duban.supervision.demo), relative to the
moment of loading:

- a failed matter with a decomposition two levels deep (县住建局 → 城关镇 →
  its 党政办公室, and 城市建设股), overdue at the lowest level, for the
  reverse trace;
- three overdue matters each for 县交通运输局, 县农业农村局 and 县水务局, so that the
  rule "three breaches in a quarter" proposes a measure for each;
- a completion reviewed by the owner's own unit (县政府办公室's matter
  closed by its 督查室), a completion claimed twelve days before it was
  entered, a completion proved by a photo taken before the matter was
  assigned, one photo handed in for two towns' matters, and two towns'
  progress reports in the same words.

Everything the integrity review judges (the completions) is entered at the
moment of loading; the history around it (assignments, splits, deadlines)
is told with its past moments, as the services record them. Idempotent:
nothing is done when the cases exist (INTEGRITY_REF)."""

import datetime as dt
import io
import random

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from duban.clocks import sweep
from duban.core import photos
from duban.org.models import Unit

from . import services as sv
from .models import Matter, SourceKind

User = get_user_model()

INTEGRITY_REF = "demo:问责与监督演示案例"
COPIED = ("已召开专题会议部署，逐户排查整改对象，建立工作台账，明确责任人和完成时限，"
          "目前已完成排查工作的百分之八十，剩余部分本周内完成。")


def _u(username):
    return User.objects.select_related("person__unit").get(username=username)


def _unit(username):
    return _u(username).person.unit


def _png(seed) -> bytes:
    from PIL import Image

    rng = random.Random(seed)
    img = Image.new("RGB", (96, 64), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _file(name, data, content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


class _Cases:
    def __init__(self, now):
        self.now = now
        self.office = _u("duchashi")
        self.leader = _u("xianzhang")

    def ago(self, days, hour=9):
        local = timezone.localtime(self.now - dt.timedelta(days=days))
        return local.replace(hour=hour, minute=0, second=0, microsecond=0)

    def matter(self, lead, title, content, *, assigned, due, **extra):
        data = dict(source_kind=SourceKind.ASSIGNMENT, instructing_leader=self.leader,
                    instruction_date=timezone.localtime(assigned).date(), title=title, content=content,
                    standard="按期办结，佐证材料齐全", lead_unit=_unit(lead), lead_person=_u(lead), due_at=due,
                    source_ref=INTEGRITY_REF, **extra)
        return sv.create_matter(self.office, assign=True, at=assigned, **data)

    def split(self, parent, by, lead, title, *, at, due):
        return sv.split_matter(parent, _u(by), at=at, title=title, content=title, standard="按期完成并报送佐证材料",
                               lead_unit=_unit(lead), lead_person=_u(lead), due_at=due)

    def closed(self, m, by, text, files, *, claimed=None, reviewer=None):
        sv.acknowledge(m, _u(by), at=m.assigned_at + dt.timedelta(hours=2))
        sv.start_work(m, _u(by), at=m.assigned_at + dt.timedelta(hours=3))
        sv.request_completion(m, _u(by), text=text, files=files, at=claimed)
        sv.complete_matter(m, reviewer or self.office, comment="材料齐全，同意办结")

    def run(self):
        now = self.now
        # The failed matter and its decomposition (the reverse trace).
        root = self.matter("zhujian_lly", "老旧小区屋面防水改造", "完成城关镇片区12个老旧小区屋面防水改造，雨季前全部完工。",
                           assigned=self.ago(40), due=self.ago(6, 18))
        sv.acknowledge(root, _u("zhujian_lly"), at=self.ago(40, 11))
        town = self.split(root, "zhujian_lly", "chengguan_lly", "城关镇片区入户排查和施工协调",
                          at=self.ago(39), due=self.ago(12, 18))
        office = self.split(root, "zhujian_lly", "zhujian_csg", "防水改造工程招标和质量监督",
                            at=self.ago(39, 10), due=self.ago(12, 18))
        sv.acknowledge(town, _u("chengguan_lly"), at=self.ago(38))
        sv.acknowledge(office, _u("zhujian_csg"), at=self.ago(38, 10))
        grand = self.split(town, "chengguan_lly", "chengguan_dzb", "逐户告知和施工期间群众工作",
                           at=self.ago(37), due=self.ago(15, 18))
        sv.submit_report(office, _u("zhujian_csg"), text="已完成招标，施工单位进场，质量监督同步开展。", progress=60,
                         at=self.ago(25))
        sv.submit_report(town, _u("chengguan_lly"), text="入户排查进行中，部分住户不配合，正在协调。", progress=40,
                         at=self.ago(24))
        sv.urge_matter(grand, self.office, channel="phone", note="逐户告知工作至今未报送进展，请抓紧落实。",
                       at=self.ago(14))
        # Three overdue matters each for two departments (the suggestions).
        for slug, subjects in (("jiaotong", ("农村公路安保工程", "客运站候车环境整治", "公路养护巡查台账")),
                               ("nongye", ("高标准农田建设验收", "农村人居环境整治", "秸秆综合利用台账")),
                               ("shuiwu", ("河道清障", "水毁工程修复", "农村饮水安全巡查"))):
            for i, subject in enumerate(subjects):
                m = self.matter(f"{slug}_lly", subject, f"{subject}，按期完成并报送佐证材料。",
                                assigned=self.ago(30 + i), due=self.ago(10 - 2 * i, 18))
                sv.acknowledge(m, _u(f"{slug}_lly"), at=m.assigned_at + dt.timedelta(hours=3))
        # Copied progress reports: two streets in the same words.
        copies = []
        for slug in ("dongcheng", "xicheng"):
            m = self.matter(f"{slug}_lly", "背街小巷环境卫生整治", "全面排查背街小巷卫生死角，建立台账，限期整治。",
                            assigned=self.ago(20), due=now + dt.timedelta(days=20))
            sv.acknowledge(m, _u(f"{slug}_lly"), at=self.ago(20, 11))
            copies.append(m)
        sv.submit_report(copies[0], _u("dongcheng_lly"), text=COPIED, progress=80, at=self.ago(3, 10))
        sv.submit_report(copies[1], _u("xicheng_lly"), text=COPIED, progress=80, at=now)
        # One photo for two towns' matters.
        shared = _png(20260618)
        for slug in ("hekou", "qingshan"):
            m = self.matter(f"{slug}_lly", "防汛物资储备检查", "检查防汛物资储备，照片留存备查。",
                            assigned=self.ago(15), due=now + dt.timedelta(days=10))
            self.closed(m, f"{slug}_lly", "防汛物资已按标准储备到位，现场照片附后。",
                        [_file("防汛物资现场照片.png", shared)])
        # Closed by the owner's own unit: 县政府办公室's matter, closed by its 督查室.
        m = self.matter("zfb_lly", "政务值班电话畅通检查", "检查各单位值班电话畅通情况并通报。",
                        assigned=self.ago(8), due=now + dt.timedelta(days=5))
        self.closed(m, "zfb_lly", "已逐一拨测各单位值班电话，情况已通报。",
                    [_file("拨测记录.png", _png(20261101))])
        # Claimed twelve days before it was entered.
        m = self.matter("jiaoyu_lly", "校园周边交通安全设施完善", "在县城中小学周边增设减速带和警示标志。",
                        assigned=self.ago(30), due=self.ago(10, 18))
        self.closed(m, "jiaoyu_lly", "减速带和警示标志已全部安装完毕。",
                    [_file("安装验收单.png", _png(20261102))], claimed=self.ago(12, 17))
        # Proved by a photo taken before the matter was assigned.
        m = self.matter("weijian_lly", "乡镇卫生院发热门诊改造", "完成3个乡镇卫生院发热门诊改造。",
                        assigned=self.ago(25), due=now + dt.timedelta(days=15))
        old = photos.jpeg_taken(self.ago(200, 15))
        self.closed(m, "weijian_lly", "3个卫生院发热门诊改造已完成，现场照片附后。",
                    [_file("发热门诊改造完工照片.jpg", old, "image/jpeg")])
        # The breaches of the past deadlines, as the sweep finds them now.
        sweep.tick(now, deliver=False)
        return root


def load_integrity_cases(now=None) -> str:
    now = now or timezone.now()
    if Matter.objects.filter(source_ref=INTEGRITY_REF).exists():
        return "问责与监督演示案例（督办）已存在，未做改动。"
    if not Unit.objects.filter(name="县住房和城乡建设局").exists():
        return "未载入问责与监督演示案例（督办）：缺少示范县单位。"
    with transaction.atomic():
        _Cases(now).run()
    n = Matter.objects.filter(source_ref=INTEGRITY_REF, parent__isnull=True).count()
    return f"问责与监督演示案例（督办）已载入：{n} 项事项（含分解两级的超期事项）。"
