"""`python manage.py import_problems CAMPAIGN_CODE FILE.xlsx [--unit NAME] [--dry-run]`

Imports a problem ledger (问题清单台账) into a campaign, printing its
progress (rows checked, rows written) to stderr. Every row is validated
first; with any error the Chinese report (row and column) is
printed, nothing is written and the command exits with status 1.
`--dry-run` prints the report and what would be imported."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from duban.rectification import excel
from duban.rectification.models import Campaign


class Command(BaseCommand):
    help = "从 Excel 导入专项行动的问题清单台账（先校验全部行，有错则全部不导入）。"

    def add_arguments(self, parser):
        parser.add_argument("campaign_code", help="专项行动代码，如 DEMO-2026")
        parser.add_argument("file", help="问题清单台账 .xlsx 文件")
        parser.add_argument("--unit", help="本台账所属单位（文件没有“责任单位”列时必填）")
        parser.add_argument("--dry-run", action="store_true", help="只校验并列出将导入的问题，不写入")

    def handle(self, *args, campaign_code, file, unit=None, dry_run=False, **options):
        campaign = Campaign.objects.filter(code=campaign_code).first()
        if campaign is None:
            raise CommandError(f"找不到代码为“{campaign_code}”的专项行动")
        default_unit = None
        if unit:
            try:
                default_unit = excel._Units().get(unit)
            except ValidationError as e:
                raise CommandError(e.messages[0]) from None
        try:
            fileobj = open(file, "rb")  # noqa: SIM115
        except OSError as e:
            raise CommandError(f"无法打开文件“{file}”：{e.strerror}") from None
        def progress(stage, done, total=None):
            if stage == "check":
                self.stderr.write(f"已校验 {done} 行" + (f"（共约 {total} 行）" if total and total != done else "")
                                  + "……")
            else:
                self.stderr.write(f"已写入 {done} 行")

        with fileobj:
            report = excel.import_ledger(campaign, fileobj, unit=default_unit, dry_run=dry_run, progress=progress)
        if not report.ok:
            self.stderr.write(report.text())
            raise CommandError("导入失败：请按以上提示修改后重新导入", returncode=1)
        self.stdout.write(report.text())
        if dry_run:
            self.stdout.write("（试运行：未写入任何数据）")
