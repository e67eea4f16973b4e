"""RECT-6: feed the descriptions of the problems already registered to the
near-duplicate index (duban.neardup), one namespace per unit, so that repeat
detection finds them through the index from now on. Nothing of the
problems themselves changes."""

from django.db import migrations


def index_problems(apps, schema_editor):
    from duban.neardup import engine

    Problem = apps.get_model("rectification", "Problem")
    IndexedText = apps.get_model("neardup", "IndexedText")
    Band = apps.get_model("neardup", "Band")
    rows = Problem.objects.order_by("pk").values_list("pk", "unit_id", "normalized")
    batch = []

    def flush():
        texts = IndexedText.objects.bulk_create([
            IndexedText(namespace=f"rectification.problem.unit:{unit_id}", key=str(pk), text=norm,
                        scheme=engine.SCHEME) for pk, unit_id, norm in batch])
        Band.objects.bulk_create([
            Band(text_id=t.pk, value=v) for t in texts for v in engine.band_values(t.namespace, t.text)],
            batch_size=2000)
        batch.clear()

    for row in rows.iterator(chunk_size=2000):
        batch.append(row)
        if len(batch) >= 2000:
            flush()
    if batch:
        flush()


def unindex_problems(apps, schema_editor):
    apps.get_model("neardup", "IndexedText").objects.filter(namespace__startswith="rectification.problem.").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("rectification", "0001_initial"),
        ("neardup", "0001_initial"),
    ]

    operations = [migrations.RunPython(index_problems, unindex_problems)]
