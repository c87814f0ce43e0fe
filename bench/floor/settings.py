"""Settings of the floor: no apps, no middleware, no database; one view and one template.

FLOOR_PAGE_BYTES (set by bench/pages.py to the size of the site's article page, measured in
the same run) is the size of the page it renders.
"""

import os
from pathlib import Path

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY") or "floor-bench-only"  # noqa: S105 (no secrets here)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "floor.urls"
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
USE_TZ = True
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
    }
]
FLOOR_PAGE_BYTES = int(os.environ.get("FLOOR_PAGE_BYTES") or 30_000)
