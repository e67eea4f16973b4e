from django.core.management.base import BaseCommand, CommandError

from duban.core import backup


class Command(BaseCommand):
    help = "备份：数据库一致快照（SQLite 在线备份接口或 pg_dump）、佐证材料文件和 SM3 哈希清单。"

    def add_arguments(self, parser):
        parser.add_argument("target", help="备份存放目录（在其中新建 duban-backup-时间 目录）")

    def handle(self, *args, target, **options):
        try:
            out = backup.backup(target)
        except backup.BackupError as e:
            raise CommandError(str(e)) from e
        manifest = backup.read_manifest(out)
        self.stdout.write(f"备份完成：{out}")
        self.stdout.write(f"日志 {manifest['journal']['count']} 条，链头哈希 {manifest['journal']['head_hash']}；"
                          f"文件 {len(manifest['files'])} 个（含数据库），清单 {backup.MANIFEST}")
