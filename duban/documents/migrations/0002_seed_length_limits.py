"""The length limits of documents (DOC-1) as rows an administrator edits."""

from django.db import migrations

from duban.core.numbers import seeder

SOURCE = "《整治形式主义为基层减负若干规定》（2024年）"

LIMITS = [
    ("document_general_chars", "文件篇幅上限", 5000, "字", SOURCE,
     "文件篇幅原则上不超过5000字，超过的须在登记时说明理由。"),
    ("document_special_chars", "专项文件篇幅上限", 4000, "字", SOURCE,
     "专项工作文件篇幅原则上不超过4000字，超过的须说明理由。"),
]


seed, unseed = seeder("documents", "LengthLimit", LIMITS)


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
