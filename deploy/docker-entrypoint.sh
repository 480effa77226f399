#!/bin/sh
# Entry point of the safegrid image:
#   web        gunicorn (deploy/gunicorn.conf.py), after the deploy checks
#   migrate    manage.py migrate (compose runs it once before web starts)
#   jobs       cron with deploy/cron/safegrid (runs as root; the jobs run as user safegrid)
#   anything else: a manage.py command, e.g. `backup`, `restore /var/backups/safegrid/…`, `createsuperuser`
set -eu
cd /opt/safegrid
case "${1:-web}" in
  web)
    python manage.py check --deploy --fail-level ERROR
    exec gunicorn -c deploy/gunicorn.conf.py safegrid.wsgi ;;
  migrate)
    exec python manage.py migrate --noinput ;;
  jobs)
    # cron starts jobs with an empty environment: hand them this container's settings through the env
    # file that deploy/bin/safegrid-manage reads.
    python -c 'import os, shlex; print("\n".join(f"{k}={shlex.quote(v)}" for k, v in os.environ.items() if k.startswith(("SAFEGRID_", "DATABASE_URL"))))' > /etc/safegrid/safegrid.env
    chown root:safegrid /etc/safegrid/safegrid.env && chmod 0640 /etc/safegrid/safegrid.env
    exec cron -f ;;
  *)
    exec python manage.py "$@" ;;
esac
