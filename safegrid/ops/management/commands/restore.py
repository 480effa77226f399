"""manage.py restore PATH: restore a backup into the configured empty database and media folder."""

from django.core.management.base import BaseCommand, CommandError

from safegrid.ops import backup


class Command(BaseCommand):
    help = "从备份恢复到空的数据库与附件目录(先校验全部校验和与密钥) / restore a backup into an empty database"
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("path", help="备份目录，如 /var/backups/safegrid/safegrid-20261201-003000")
        parser.add_argument("--verify-only", action="store_true", help="只校验备份文件，不恢复")
        parser.add_argument("--without-tip-keys", action="store_true",
                            help="缺少举报人信息密钥时仍然恢复(这些身份信息将无法解密)")

    def handle(self, *args, path, verify_only=False, without_tip_keys=False, **options):
        try:
            if verify_only:
                found = backup.load(path)
                files = backup.verify(found)
                missing, secret_differs = backup.key_problems(found.manifest)
                self.stdout.write(f"备份完好 backup verified: {found.manifest['created_at']}, "
                                  f"{len(files)} media files")
                self._key_notes(missing, secret_differs)
                return
            report = backup.restore(path, without_tip_keys=without_tip_keys, log=self.stdout.write)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"恢复完成 restored {report['rows']} rows and {report['media_files']} media files "
            f"in {report['seconds']:.1f} s (backup of version {report['backup_version']})"))
        if report["referenced_files_absent"]:
            self.stdout.write(self.style.WARNING(
                f"{len(report['referenced_files_absent'])} 个附件在备份时已缺失 files were already missing when "
                f"the backup was taken: {', '.join(report['referenced_files_absent'][:10])}"))
        if report["undecryptable_rows"]:
            self.stdout.write(self.style.WARNING(
                f"{report['undecryptable_rows']} 条举报人身份或收款信息无法用当前 SAFEGRID_TIP_KEYS 解密。"))
        self._key_notes(report["missing_tip_keys"], report["secret_key_differs"])
        self.stdout.write("下一步 next: manage.py migrate (若代码比备份新 when the code is newer than the backup)")

    def _key_notes(self, missing, secret_differs):
        if missing:
            self.stdout.write(self.style.WARNING(f"当前 SAFEGRID_TIP_KEYS 缺少密钥(指纹) missing tip keys: "
                                                 f"{', '.join(missing)}"))
        if secret_differs:
            self.stdout.write(self.style.WARNING(
                "SAFEGRID_SECRET_KEY 与备份时不同：群众手中的举报查询码将全部失效、所有用户须重新登录。"
                "请使用备份时的 SAFEGRID_SECRET_KEY(manage.py export_keys 导出的文件)。"))
