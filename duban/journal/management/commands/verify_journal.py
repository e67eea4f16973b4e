import os

from django.core.management.base import BaseCommand

from duban.journal import chain, evidence, signatures


class Command(BaseCommand):
    help = ("重新计算日志哈希链并核对佐证材料文件；完好时退出码为 0，否则指出第一条被破坏的序号。"
            "默认从最近一个有效的签名检查点之后校验，--full 从第一条事件起全部校验。")

    def add_arguments(self, parser):
        parser.add_argument("--skip-files", action="store_true", help="只核对日志链，不核对佐证材料文件")
        parser.add_argument("--full", action="store_true", help="从第一条事件起校验整条链（不从检查点开始）")
        parser.add_argument("--progress", action="store_true", help="每校验一批打印进度")
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                            help="并行校验的进程数，默认为处理器核数；待校验的事件不足每进程一批（5000 条）时只用一个进程")

    def handle(self, *args, **options):
        progress = None
        if options["progress"]:
            def progress(done):
                self.stdout.write(f"  已校验 {done} 条……")
        result = chain.verify(full=options["full"], progress=progress, workers=max(1, options["workers"]))
        failed = False
        start = (f"自检查点（序号 {result.checkpoint}）之后" if result.checkpoint else "从第一条起")
        rate = f"本次{start}校验 {result.walked} 条，用时 {result.seconds:.2f} 秒，每秒 {result.rate:,.0f} 条"
        if result.ok:
            self.stdout.write(f"日志完好：共 {result.count} 条事件，链头哈希 {result.head_hash}；{rate}")
        else:
            failed = True
            self.stderr.write(f"日志链被破坏：第一条异常序号 {result.first_bad_seq}。{result.reason}（{rate}）")
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
