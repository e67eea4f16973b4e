from django.core.management.base import BaseCommand

from duban.journal import chain, evidence, signatures


class Command(BaseCommand):
    help = "重新计算日志哈希链并核对佐证材料文件；完好时退出码为 0，否则指出第一条被破坏的序号。"

    def add_arguments(self, parser):
        parser.add_argument("--skip-files", action="store_true", help="只核对日志链，不核对佐证材料文件")

    def handle(self, *args, **options):
        result = chain.verify()
        failed = False
        if result.ok:
            self.stdout.write(f"日志完好：共 {result.count} 条事件，链头哈希 {result.head_hash}")
        else:
            failed = True
            self.stderr.write(f"日志链被破坏：第一条异常序号 {result.first_bad_seq}。{result.reason}")
        signed = signatures.verify_all()
        for seq, reason in signed.bad:
            self.stderr.write(f"签名无效：序号 {seq}。{reason}")
        if signed.ok:
            self.stdout.write(f"签名完好：共 {signed.checked} 个（办结、销号、审签、延期审批）")
        else:
            failed = True
        if not options["skip_files"]:
            report = evidence.verify_files()
            for ev in report.missing:
                self.stderr.write(f"佐证材料缺失：{ev.original_name}（编号 {ev.pk}，存储名 {ev.stored_name}）")
            for ev in report.altered:
                self.stderr.write(f"佐证材料被替换：{ev.original_name}（编号 {ev.pk}，存储名 {ev.stored_name}）")
            if report.ok:
                self.stdout.write(f"佐证材料完好：共 {report.checked} 个文件")
            else:
                failed = True
        if failed:
            raise SystemExit(1)
