"""Re-encrypt every SM4-encrypted value under the current key (the first of
DUBAN_SM4_KEYS), and encrypt values stored before encryption. Run it after
putting a new key first; once it reports no value under an old key, the old
key can be removed from DUBAN_SM4_KEYS."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F, TextField
from django.db.models.functions import Cast

from duban.core import crypto
from duban.core.fields import encrypted_fields
from duban.journal import chain


class Command(BaseCommand):
    help = "用当前 SM4 密钥（DUBAN_SM4_KEYS 的第一个）重新加密全部个人信息字段。"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, batch, **options):
        current = crypto.current_key_id()
        counts = {}
        for model in apps.get_models():
            for field in encrypted_fields(model):
                counts[f"{model._meta.label}.{field.name}"] = self._rotate(model, field, current, batch)
        with transaction.atomic():
            chain.record("security.sm4.rotate", object_type="security.sm4", object_id=current,
                         object_repr=f"SM4 密钥 {current}", after={"key_id": current, "reencrypted": counts})
        total = sum(counts.values())
        for name, n in counts.items():
            self.stdout.write(f"{name}：重新加密 {n} 个值")
        self.stdout.write(f"完成：共重新加密 {total} 个值，全部使用密钥 {current}")

    def _rotate(self, model, field, current, batch) -> int:
        # The stored text (Cast to a plain text column skips decryption).
        raw = model._default_manager.annotate(_stored=Cast(F(field.attname), TextField()))
        prefix = f"{crypto.PREFIX}{current}:"
        todo = raw.exclude(**{field.attname: ""}).exclude(**{f"{field.attname}__isnull": True})
        done = 0
        pks = [pk for pk, stored in todo.values_list("pk", "_stored").iterator(chunk_size=batch)
               if stored and not stored.startswith(prefix)]
        for start in range(0, len(pks), batch):
            with transaction.atomic():
                for obj in model._default_manager.filter(pk__in=pks[start:start + batch]).only("pk", field.attname):
                    model._default_manager.filter(pk=obj.pk).update(**{field.attname: getattr(obj, field.attname)})
                    done += 1
        return done
