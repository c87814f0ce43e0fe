"""A real S3 API on 127.0.0.1 for the tests: moto's server mode (PyPI's `moto[server]`).

The site talks to it over HTTP through django-storages and boto3, exactly as it talks to
Amazon S3, Cloudflare R2 or MinIO: nothing in the site's code is replaced. Each server holds its
objects in memory and forgets them when stopped.
"""

import contextlib
import logging
import uuid

import boto3
from moto.server import ThreadedMotoServer

# moto accepts any key pair; these are what the site's settings are given.
ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"
REGION = "us-east-1"

# moto's server logs every request it answers; the tests assert on what it answered instead.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


class S3Server:
    def __init__(self):
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        self.running = True

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def create_bucket(self, name: str | None = None) -> str:
        name = name or f"coachhouse-media-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def environ(self, bucket: str) -> dict[str, str]:
        """The environment variables that point the site's media at `bucket` on this server."""
        return {
            "MEDIA_BUCKET": bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_S3_REGION_NAME": REGION,
        }

    def stop(self) -> None:
        if self.running:
            self.server.stop()
            self.running = False


@contextlib.contextmanager
def running_s3_server():
    server = S3Server()
    try:
        yield server
    finally:
        server.stop()
