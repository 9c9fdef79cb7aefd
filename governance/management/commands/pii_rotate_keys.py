"""Re-encrypt every stored ID number and phone with the first of `PII_ENCRYPTION_KEYS`:
`manage.py pii_rotate_keys [--reindex] [--batch N]` (README, Security: rotating the keys)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from governance.crypto import PersonalDataKeyError, pii_digest
from governance.fields import BlindIndexField, EncryptedCharField


def encrypted_models() -> list[tuple[type, list[str], list[tuple[str, str]]]]:
    """Every model with encrypted fields: its encrypted field names and (index, source) pairs."""
    found = []
    for model in apps.get_models():
        encrypted = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]
        if encrypted:
            indexes = [(f.name, f.source) for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
            found.append((model, encrypted, indexes))
    return found


class Command(BaseCommand):
    help = "用第一个加密密钥重新加密全部身份证号和电话（密钥轮换）；--reindex 在更换索引密钥后重算盲索引。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--reindex", action="store_true", help="同时按 PII_INDEX_KEY 重算盲索引")
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        batch = max(1, options["batch"])
        for model, encrypted, indexes in encrypted_models():
            columns = encrypted + ([name for name, _ in indexes] if options["reindex"] else [])
            done, last = 0, 0
            while True:
                try:
                    rows = list(model._base_manager.filter(pk__gt=last).order_by("pk")[:batch])
                except PersonalDataKeyError as error:
                    raise CommandError(f"{model._meta.label}：{error}（旧密钥须仍在 PII_ENCRYPTION_KEYS 中）") from error
                if not rows:
                    break
                if options["reindex"]:
                    for row in rows:
                        for name, source in indexes:
                            setattr(row, name, pii_digest(getattr(row, source)))
                model._base_manager.bulk_update(rows, columns)  # written back: encrypted with the first key
                done += len(rows)
                last = rows[-1].pk
            self.stdout.write(f"{model._meta.label}：{done} 行已用当前密钥重新加密"
                              + ("并重算索引" if options["reindex"] else ""))
