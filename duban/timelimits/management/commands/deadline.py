"""python manage.py deadline --start "2026-09-30 15:00" --limit 7wd [--no-roll-forward]

Prints the due moment (ISO 8601 with offset) on the first line and a
one-line Chinese explanation on the second. Exits non-zero with a Chinese
message for bad input or a year whose calendar has not been entered."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from duban.timelimits.limits import compute_due, parse_limit, parse_start


class Command(BaseCommand):
    help = "按官方工作日历计算时限的截止时刻，并说明计算过程"

    def add_arguments(self, parser):
        parser.add_argument("--start", required=True, help="起算时间，如 \"2026-09-30 15:00\"（不带时区按北京时间）")
        parser.add_argument("--limit", required=True, help="时限：15min、1h、7wd（工作日）、3d（自然日）、2mo（月）")
        parser.add_argument("--no-roll-forward", action="store_true",
                            help="自然日、月时限的最后一日为休息日或节假日时不顺延")

    def handle(self, *args, **options):
        try:
            start = parse_start(options["start"])
            limit = parse_limit(options["limit"])
            due = compute_due(start, limit, roll_forward=not options["no_roll_forward"])
            explanation = due.explanation
        except ValidationError as e:
            raise CommandError("；".join(e.messages)) from None
        self.stdout.write(due.at.isoformat())
        self.stdout.write(explanation)
