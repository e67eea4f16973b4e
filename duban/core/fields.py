"""EncryptedTextField: a text column stored SM4-encrypted (duban.core.crypto)
and read back as plain text. `max_length` limits the plain text (checked by
forms and by duban.core.textguard); the column itself is unbounded text.
Such a field cannot be searched or ordered in the database."""

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    description = "SM4 加密的文字"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "" or not crypto.is_encrypted(value):
            return value  # empty, or written before encryption (rotate_sm4_key encrypts it)
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "" or crypto.is_encrypted(value):
            return value
        return crypto.encrypt(value)

    def formfield(self, **kwargs):
        from django import forms

        return super().formfield(**{"form_class": forms.CharField, "widget": forms.TextInput, **kwargs})


def encrypted_fields(model) -> list:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
