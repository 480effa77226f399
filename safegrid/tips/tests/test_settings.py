import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[3]


def test_production_without_tip_keys_fails_clearly(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "SAFEGRID_DATA_DIR": str(tmp_path), "SAFEGRID_SECRET_KEY": "x" * 50}
    result = subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='safegrid.settings'; "
                               "django.setup()"], env=env, capture_output=True, text=True, cwd=str(ROOT))
    assert result.returncode != 0 and "SAFEGRID_TIP_KEYS is not set" in result.stderr


def test_malformed_key_is_a_check_error(settings):
    from safegrid.tips import checks

    settings.SAFEGRID_TIP_KEYS = ["not-a-key"]
    assert [e.id for e in checks.tip_keys(None)] == ["tips.E001"]


def test_local_memory_cache_warns_for_deployments(monkeypatch):
    from types import SimpleNamespace

    from safegrid.tips import checks

    def backend(name):  # the check reads only CACHES; the live cache stays as it is
        monkeypatch.setattr(checks, "settings", SimpleNamespace(CACHES={"default": {"BACKEND": name}}))

    backend("django.core.cache.backends.locmem.LocMemCache")
    assert [w.id for w in checks.shared_cache(None)] == ["tips.W001"]
    backend("django.core.cache.backends.redis.RedisCache")
    assert checks.shared_cache(None) == []


def test_rotate_command(world, capsys):
    from safegrid.tips import services, testing

    services.submit_tip(testing.named(), client_ip="10.9.9.9")
    call_command("rotate_tip_keys")
    assert "re-encrypted 1 rows" in capsys.readouterr().out
