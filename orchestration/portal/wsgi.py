"""WSGI entry for gunicorn (deploy/portal/): `gunicorn orchestration.portal.wsgi:application`."""

from orchestration.portal import setup_django

setup_django()

from django.core.wsgi import get_wsgi_application  # noqa: E402

from orchestration.portal import runs  # noqa: E402 - after Django is set up

application = get_wsgi_application()
runs.start_background()  # each worker: resume waiting uploads, keep the mirror of file outcomes fresh
