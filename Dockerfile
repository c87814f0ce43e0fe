# syntax=docker/dockerfile:1
# The site's image: one image for every process of the Procfile. `bin/procfile-run NAME` runs
# the Procfile's line for NAME (release, web, worker or clock); compose.yaml runs each from it.
# No step here is the image's own: tests/production/test_containers.py runs the same scripts
# and commands, since no container engine runs where the tests do.

# Debian 13 (trixie), named so that its PostgreSQL client (17, for `manage.py backup` and
# `restore`) stays the major version of compose.yaml's postgres:17.
ARG PYTHON_IMAGE=python:3.13-slim-trixie

# Build: the project and its dependencies in a virtual environment. Every dependency ships a
# wheel for this Python, so no compiler is needed; pip's downloads stay in a build cache.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN python -m venv /opt/venv
COPY . .
# Editable, as the Makefile installs it: the package `coachhouse` is the folder site/
# (pyproject.toml), and the settings find templates and static files beside it.
RUN --mount=type=cache,target=/root/.cache/pip /opt/venv/bin/pip install -e .

# Runtime: the same base, the virtual environment and the code, run by a user without rights
# to change either.
FROM ${PYTHON_IMAGE}
# pg_dump and pg_restore, for `manage.py backup` and `restore`.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --user-group --uid 10001 --home-dir /nonexistent --no-create-home \
    --shell /usr/sbin/nologin coachhouse
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
# What the site writes: collected static files, uploads without a bucket (compose.yaml's media
# volume) and backups to a folder (its backups volume). Volumes start with these owners.
RUN install -d -o coachhouse -g coachhouse /app/staticfiles /app/media /app/backups
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=coachhouse.settings.production \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER coachhouse
# Static files are part of the image: every container has its own files, so the release's
# collectstatic cannot serve web's. The production settings refuse to load without these four;
# these stand-ins are for this one command and are not kept in the image.
RUN SECRET_KEY=stand-in-for-collectstatic-in-the-image-only-0123456789abcdef \
    ALLOWED_HOSTS=image.invalid DATABASE_URL=postgres://db.invalid/coachhouse \
    REDIS_URL=redis://cache.invalid:6379/0 \
    python manage.py collectstatic --no-input --verbosity 0

EXPOSE 8000
# Only the web process answers HTTP: compose.yaml turns this off for the others.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["/app/bin/healthcheck"]
CMD ["/app/bin/procfile-run", "web"]
