"""The running code's version (pyproject.toml) and revision (REVISION file, else git)."""

import functools
import subprocess
import tomllib

from django.conf import settings


@functools.cache
def version():
    with open(settings.BASE_DIR / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


@functools.cache
def revision():
    """The commit: the REVISION file an image build writes (deploy/Dockerfile), else git, else ''."""
    path = settings.BASE_DIR / "REVISION"
    if path.exists():
        return path.read_text().strip()
    try:
        out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=settings.BASE_DIR,
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""
