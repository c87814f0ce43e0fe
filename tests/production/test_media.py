"""Uploaded images and documents: in an S3 bucket (a real S3 API, moto's server, on
127.0.0.1) or on the server's disk, with renditions public and everything else private."""

import io
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from unittest import mock

import pytest
import wagtail_factories
from botocore.exceptions import ClientError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from wagtail.documents import get_document_model

from tests.production.test_health import ROOT, Server, redis_reachable
from tests.s3_server import running_s3_server

JPEG_SIGNATURE = b"\xff\xd8\xff"  # wagtail_factories' images are JPEGs


class Images(HTMLParser):
    """The `src` of every <img> on a page."""

    def __init__(self):
        super().__init__()
        self.sources = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.append(dict(attrs)["src"])


def image_sources(html: str) -> list[str]:
    parser = Images()
    parser.feed(html)
    return parser.sources


def fetch(url: str) -> tuple[int, str, bytes]:
    """A GET from nobody in particular: no cookies, no credentials."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - 127.0.0.1
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


# In a bucket ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3():
    with running_s3_server() as server:
        yield server


@pytest.fixture
def bucket(s3, tmp_path):
    """The site's default storage pointed at a new bucket, made as the release makes it."""
    name = s3.create_bucket()
    environ = s3.environ(name)
    storages = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": environ["AWS_S3_ENDPOINT_URL"],
                "region_name": environ["AWS_S3_REGION_NAME"],
                "access_key": environ["AWS_ACCESS_KEY_ID"],
                "secret_key": environ["AWS_SECRET_ACCESS_KEY"],
                "querystring_auth": False,
                "file_overwrite": False,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, MEDIA_BUCKET=name, MEDIA_ROOT=tmp_path):
        call_command("prepare_media_bucket", stdout=open(os.devnull, "w"))  # noqa: SIM115
        yield name


def test_preparing_creates_a_missing_bucket_and_can_run_again(s3, bucket, capsys):
    s3.client().delete_bucket_policy(Bucket=bucket)
    s3.client().delete_bucket(Bucket=bucket)

    call_command("prepare_media_bucket")
    call_command("prepare_media_bucket")

    out = capsys.readouterr().out
    assert out.count(f"Created the bucket {bucket}.") == 1
    assert f"Renditions in {bucket}/images/ are public; everything else is private." in out
    assert json.loads(s3.client().get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]


def test_without_a_bucket_preparing_says_there_is_nothing_to_do(capsys):
    call_command("prepare_media_bucket")

    assert "Media are on this server's disk (MEDIA_ROOT): nothing to prepare." in (
        capsys.readouterr().out
    )


@pytest.mark.django_db
def test_an_uploaded_image_and_its_renditions_live_in_the_bucket(s3, bucket):
    image = wagtail_factories.ImageFactory(title="Chart")
    rendition = image.get_rendition("fill-120x80")

    keys = s3.keys(bucket)
    assert image.file.name in keys and image.file.name.startswith("original_images/")
    assert rendition.file.name in keys and rendition.file.name.startswith("images/")
    assert rendition.url.startswith(f"{s3.endpoint_url}/{bucket}/images/")

    # Anyone fetches the rendition from the bucket; the original stays private.
    status, content_type, data = fetch(rendition.url)
    assert (status, content_type) == (200, "image/jpeg")
    assert data.startswith(JPEG_SIGNATURE)
    assert fetch(image.file.url)[0] == 403


def test_a_page_shows_renditions_from_the_bucket(s3, bucket, site_tree):
    home = site_tree["home"]
    image = wagtail_factories.ImageFactory(title="Hero")
    home.hero_image = image
    home.save_revision().publish()

    sources = image_sources(Client().get(home.url).content.decode())

    from_bucket = [src for src in sources if src.startswith(f"{s3.endpoint_url}/{bucket}/")]
    assert from_bucket, sources
    for src in from_bucket:
        assert fetch(src)[:2] == (200, "image/jpeg")


@pytest.fixture
def worksheets(bucket, site_tree):
    """A worksheet in the free preview (lesson 1) and one in lesson 2, enrolled-only."""
    lessons = site_tree["lessons"]
    documents = {}
    for lesson, name in ((lessons[0], "preview.txt"), (lessons[1], "members.txt")):
        document = get_document_model().objects.create(
            title=name, file=ContentFile(b"Three roles you would love.", name=name)
        )
        lesson.body.append(("worksheet", {"document": document, "title": name}))
        lesson.save_revision().publish()
        documents[name] = document
    return documents, lessons


def download(client, document):
    response = client.get(reverse("wagtaildocs_serve", args=[document.pk, document.filename]))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response, content


def test_documents_are_private_in_the_bucket_and_keep_the_lessons_access_rules(s3, worksheets):
    documents, lessons = worksheets
    preview, members = documents["preview.txt"], documents["members.txt"]
    assert preview.file.name.startswith("documents/") and preview.file.name in s3.keys(
        preview.file.storage.bucket_name
    )

    # Never straight from the bucket...
    assert fetch(preview.file.url)[0] == 403
    # ...but through Wagtail's view, streamed from the bucket, with the lessons' rules.
    response, content = download(Client(), preview)
    assert (response.status_code, content) == (200, b"Three roles you would love.")
    assert response["Content-Security-Policy"] == "default-src 'none'"
    response, _ = download(Client(), members)
    assert (response.status_code, response["Location"]) == (302, lessons[1].url)


@pytest.mark.django_db
def test_readyz_checks_the_bucket(bucket):
    response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json()["storage"] == "ok"


# Under gunicorn and the production settings ---------------------------------------------------


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory):
    """The demo site in a SQLite file, migrated and loaded under the production settings."""
    if not redis_reachable():
        pytest.skip(
            "Needs Redis on 127.0.0.1:6379 (the production settings require a shared cache): "
            "start it (on Debian: apt-get install redis-server) and run the tests again."
        )
    folder = tmp_path_factory.mktemp("production-media")
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coachhouse.settings.production",
        "SECRET_KEY": "media-test-only-0123456789abcdefghijklmnopqrstuvwxyz0123",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "CACHE_KEY_PREFIX": f"media-test-{os.getpid()}",
        "MEDIA_ROOT": str(folder / "media"),
        "STATIC_ROOT": str(folder / "static"),
        "BASE_URL": "http://127.0.0.1",
    }
    for command in (["migrate", "--no-input"], ["collectstatic", "--no-input"], ["load_demo"]):
        subprocess.run(  # noqa: S603 - manage.py with fixed arguments
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=environ,
            check=True,
            capture_output=True,
        )
    return folder, environ["DATABASE_URL"]


@pytest.fixture
def production(demo_database, tmp_path):
    folder, database_url = demo_database
    started = Server(
        tmp_path,
        database_url=database_url,
        redis_url="redis://127.0.0.1:6379/14",
        environ={"MEDIA_ROOT": str(folder / "media"), "STATIC_ROOT": str(folder / "static")},
    )
    yield started
    started.stop()


def test_without_a_bucket_production_serves_the_images_on_its_pages(production):
    status, _, home = production.get("/")
    assert status == 200
    sources = image_sources(home)
    assert sources, "the demo home page shows images"
    article = next(src for src in sources if src.startswith("/media/images/"))

    for src in sources:
        status, headers, _ = production.get(src)
        assert status == 200, src
        assert headers["Content-Type"].startswith("image/")
    assert production.get(article)[1]["Cache-Control"] == "public, max-age=86400"


def test_without_a_bucket_production_serves_nothing_else_from_the_media_folder(
    production, demo_database
):
    folder, _ = demo_database
    media = folder / "media"
    private = [
        *sorted((media / "original_images").iterdir())[:1],
        *sorted((media / "documents").iterdir())[:1],
    ]
    assert len(private) == 2

    for path in private:
        assert production.get(f"/media/{path.relative_to(media)}")[0] == 404
    assert production.get("/media/images/../documents/")[0] in {400, 404}


def test_readyz_answers_503_within_two_seconds_when_the_bucket_server_stops(
    demo_database, tmp_path
):
    folder, database_url = demo_database
    with running_s3_server() as s3:
        bucket = s3.create_bucket()
        server = Server(
            tmp_path,
            database_url=database_url,
            redis_url="redis://127.0.0.1:6379/14",
            environ={**s3.environ(bucket), "STATIC_ROOT": str(folder / "static")},
        )
        try:
            assert server.get("/readyz")[0] == 200
            s3.stop()
            started = time.monotonic()
            status, _, body = server.get("/readyz")
            elapsed = time.monotonic() - started
        finally:
            server.stop()

    assert status == 503
    assert json.loads(body) == {"database": "ok", "cache": "ok", "storage": "unavailable"}
    assert elapsed < 2


ORIGIN_SCRIPT = """
import json, django
from urllib.parse import urlsplit
django.setup()
from django.conf import settings
from django.core.files.storage import default_storage
url = urlsplit(default_storage.url("images/hero.2e16d0ba.fill-800x450.jpg"))
print(json.dumps({
    "origin": settings.MEDIA_ORIGIN,
    "url_origin": f"{url.scheme}://{url.netloc}",
    "site": settings.SECURE_CSP["img-src"],
    "admin": settings.ADMIN_CSP["img-src"],
}))
"""


@pytest.mark.parametrize(
    ("environ", "origin"),
    [
        ({"AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000"}, "http://127.0.0.1:9000"),
        (
            {
                "AWS_S3_ENDPOINT_URL": "https://acc.r2.cloudflarestorage.com",
                "AWS_S3_REGION_NAME": "auto",
            },
            "https://acc.r2.cloudflarestorage.com",
        ),
        ({"AWS_S3_REGION_NAME": "eu-west-2"}, "https://coach-media.s3.eu-west-2.amazonaws.com"),
        ({}, "https://coach-media.s3.amazonaws.com"),
        ({"MEDIA_CUSTOM_DOMAIN": "media.coach.example"}, "https://media.coach.example"),
    ],
    ids=["MinIO or moto", "Cloudflare R2", "Amazon, eu-west-2", "Amazon, us-east-1", "CDN"],
)
def test_pages_may_show_images_from_where_the_bucket_says_they_are(environ, origin):
    """The CSPs' img-src names the origin the storage's own URLs have, or browsers would
    refuse every image from the bucket."""
    result = subprocess.run(  # noqa: S603 - this Python with a fixed script
        [sys.executable, "-c", ORIGIN_SCRIPT],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "coachhouse.settings.test",
            "MEDIA_BUCKET": "coach-media",
            **environ,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    seen = json.loads(result.stdout)

    assert seen["origin"] == seen["url_origin"] == origin
    assert origin in seen["site"] and origin in seen["admin"]


def test_a_new_bucket_allows_the_read_policy_and_blocks_public_acls(s3, bucket):
    s3.client().delete_bucket_policy(Bucket=bucket)
    s3.client().delete_bucket(Bucket=bucket)

    call_command("prepare_media_bucket", stdout=io.StringIO())

    block = s3.client().get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False,
    }


def test_a_provider_without_bucket_policies_gets_a_warning_not_a_failed_release(bucket):
    """Cloudflare R2 and Backblaze B2 answer NotImplemented to PutBucketPolicy."""
    client = default_storage.connection.meta.client
    refused = ClientError({"Error": {"Code": "NotImplemented"}}, "PutBucketPolicy")
    out, err = io.StringIO(), io.StringIO()

    with mock.patch.object(client, "put_bucket_policy", side_effect=refused):
        call_command("prepare_media_bucket", stdout=out, stderr=err)

    assert "did not take a read policy (NotImplemented)" in err.getvalue()
    assert "MEDIA_CUSTOM_DOMAIN" in err.getvalue()
    assert "are public" not in out.getvalue()
