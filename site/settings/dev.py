"""Local development: DEBUG on, SQLite, emails printed to the console."""

import os

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: E402, F403

# A fixed key is fine on a developer's machine; base.py refuses a missing key when DEBUG is off.
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-never-use-in-production"  # noqa: F405, S105
