"""manage.py export_keys FILE: the secrets a restore needs, written apart from the backups."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from safegrid.ops.backup import fingerprint


class Command(BaseCommand):
    help = ("导出举报人信息密钥与 SECRET_KEY 到单独文件(权限 0600)，与备份分开保存 / "
            "write SAFEGRID_TIP_KEYS and SAFEGRID_SECRET_KEY to a file kept apart from the backups")

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        path = Path(file)
        lines = [
            f"# safegrid keys exported {timezone.localtime():%Y-%m-%d %H:%M}; keep offline, apart from the backups.",
            f"# tip key fingerprints: {', '.join(fingerprint(k) for k in settings.SAFEGRID_TIP_KEYS)}; "
            f"secret key fingerprint: {fingerprint(settings.SECRET_KEY)}",
            f"SAFEGRID_TIP_KEYS={','.join(settings.SAFEGRID_TIP_KEYS)}",
            f"SAFEGRID_SECRET_KEY={settings.SECRET_KEY}",
        ]
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise CommandError(f"{path} 已存在，不覆盖。") from exc
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.stdout.write(f"已写入 {path}(0600)：{len(settings.SAFEGRID_TIP_KEYS)} 个举报人信息密钥和 SECRET_KEY")
