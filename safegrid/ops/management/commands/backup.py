"""manage.py backup: one consistent backup of the database and media files (safegrid.ops.backup), then
the retention rule of SAFEGRID_BACKUP_KEEP_*; `--list` shows the backups kept."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from safegrid.ops import backup
from safegrid.ops.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = "备份数据库与附件(含清单与校验和)，并按保留规则删除旧备份 / back up the database and media files"

    def add_arguments(self, parser):
        parser.add_argument("--dir", help=f"备份目录(默认 SAFEGRID_BACKUP_DIR = {settings.SAFEGRID_BACKUP_DIR})")
        parser.add_argument("--no-prune", action="store_true", help="不删除旧备份")
        parser.add_argument("--list", action="store_true", help="只列出已有备份")

    def job_name(self, options):
        if options.get("list"):
            return None
        custom = options.get("dir") and Path(options["dir"]).resolve() != Path(settings.SAFEGRID_BACKUP_DIR).resolve()
        return None if custom else "backup"  # a copy to another disk by hand is not the nightly job

    def handle(self, *args, dir=None, no_prune=False, list=False, **options):
        if list:
            for b in backup.backups(dir):
                m = b.manifest
                self.stdout.write(f"{b.path}  {m['version']}  {m['database']['engine']}  "
                                  f"{m['size_bytes'] / 1e6:.1f} MB  {m['media']['files']} files")
            return
        try:
            path, manifest = backup.take(dir)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        pruned = [] if no_prune else backup.prune(dir)
        for old in pruned:
            self.stdout.write(f"删除旧备份 pruned {old}")
        self.stdout.write(
            f"备份完成 backup {path.name}: {sum(manifest['counts'].values())} rows, "
            f"{manifest['media']['files']} media files, {manifest['size_bytes'] / 1e6:.1f} MB "
            f"({manifest['media']['copied_bytes'] / 1e6:.1f} MB new), {manifest['seconds']:.1f} s")
