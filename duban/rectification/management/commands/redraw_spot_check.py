"""`python manage.py redraw_spot_check ID`: re-run a recorded spot check's
draw from its seed and candidate lists and compare with the recorded
result. Exit status 0 when they agree, 1 when not."""

from django.core.management.base import BaseCommand, CommandError

from duban.rectification import draws
from duban.rectification.models import SpotCheck


class Command(BaseCommand):
    help = "按记录的随机种子和候选名单重新抽取随机抽查，核对结果是否一致。"

    def add_arguments(self, parser):
        parser.add_argument("spot_check_id", type=int, help="随机抽查的编号")

    def handle(self, *args, spot_check_id, **options):
        sc = SpotCheck.objects.filter(pk=spot_check_id).first()
        if sc is None:
            raise CommandError(f"找不到编号为 {spot_check_id} 的随机抽查")
        r = draws.replay(sc)
        self.stdout.write(f"随机抽查 {sc.pk}“{sc.title}”：种子 {sc.seed}，算法 {sc.algorithm}，"
                          f"候选对象 {len(sc.target_candidates)} 个，候选检查人 {len(sc.inspector_candidates)} 人，"
                          f"抽取 {sc.target_count} 个对象、每个 {sc.inspector_count} 人。")
        for i, a in enumerate(r.recomputed, start=1):
            self.stdout.write(f"  {i}. 对象 {a['target']}：检查人 {', '.join(str(x) for x in a['inspectors'])}")
        if not r.ok:
            self.stderr.write(f"记录的结果：{r.recorded}")
            raise CommandError(r.message, returncode=1)
        self.stdout.write(r.message)
