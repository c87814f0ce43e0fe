"""WSGI entry point of the floor: `gunicorn floor.wsgi` run from the bench/ folder."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "floor.settings")

application = get_wsgi_application()
