from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from duban.core import backup


class Command(BaseCommand):
    help = "从备份恢复：先按清单核对每个文件的 SM3 哈希，再恢复数据库和佐证材料，最后校验日志链和佐证材料。"

    def add_arguments(self, parser):
        parser.add_argument("folder", help="backup 命令生成的 duban-backup-… 目录")
        parser.add_argument("--force", action="store_true", help="目标数据库已有数据时仍然覆盖")

    def handle(self, *args, folder, force, **options):
        try:
            manifest = backup.restore(folder, force=force)
        except backup.BackupError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(f"已恢复 {manifest['created_at']} 的备份（日志 {manifest['journal']['count']} 条）")
        call_command("verify_journal", stdout=self.stdout, stderr=self.stderr)
