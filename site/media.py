"""Where visitors get uploaded images from, and what stays private.

Wagtail keeps three kinds of upload in the default storage: originals (`original_images/`),
the renditions pages show (`images/`) and documents (`documents/`). Only renditions are
public. Originals can carry what an editor never meant to publish (a phone photo's location),
and documents go through Wagtail's serve view, where the lessons' access rules run
(lessons/wagtail_hooks.py).

- With a bucket (MEDIA_BUCKET, coachhouse/settings/base.py), `prepare_bucket` makes it and gives
  it a policy that lets anyone read `images/` and nothing else; the release runs it
  (`manage.py prepare_media_bucket`). Pages link to renditions in the bucket, or on the CDN at
  MEDIA_CUSTOM_DOMAIN.
- On this server's disk, `serve_rendition` answers `/media/images/...` itself, so production
  shows images with no proxy in front; a proxy that serves that folder (the Caddyfile in
  deploy/) takes the load off the app. Nothing else under MEDIA_ROOT is served.
"""

import json

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files.storage import default_storage
from django.views.decorators.http import require_safe
from django.views.static import serve

PUBLIC_PREFIX = "images/"
# Renditions are named from their original and filter, so a name is never given to a changed
# picture; a day keeps browsers from asking again while an editor's fix still shows tomorrow.
RENDITION_MAX_AGE = 24 * 60 * 60


def uses_bucket() -> bool:
    return bool(getattr(settings, "MEDIA_BUCKET", ""))


def public_read_policy(bucket: str) -> dict:
    """Anyone may read renditions; originals and documents are left to the site."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RenditionsArePublic",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/{PUBLIC_PREFIX}*",
            }
        ],
    }


# Providers whose S3 API has no bucket policies (Cloudflare R2, Backblaze B2) or a bucket whose
# owner blocks public policies answer these; the release warns instead of failing.
POLICY_REFUSED = {"NotImplemented", "MethodNotAllowed", "AccessDenied", "InvalidRequest"}


def prepare_bucket() -> list[str]:
    """Create the media bucket if it is missing and set its read policy; say what was done.
    A line starting "Warning:" says what the coach must do by hand."""
    client = default_storage.connection.meta.client
    bucket = default_storage.bucket_name
    done = []
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as error:
        if _code(error) not in {"404", "NoSuchBucket"}:
            raise
        client.create_bucket(Bucket=bucket, **location_constraint(client))
        done.append(f"Created the bucket {bucket}.")
        # Amazon blocks public policies on new buckets; this one's renditions are meant to be
        # public, and public ACLs stay blocked.
        try:
            client.put_public_access_block(
                Bucket=bucket,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": False,
                    "RestrictPublicBuckets": False,
                },
            )
        except ClientError as error:
            if _code(error) not in POLICY_REFUSED:
                raise
    try:
        client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(public_read_policy(bucket)))
    except ClientError as error:
        if _code(error) not in POLICY_REFUSED:
            raise
        done.append(
            f"Warning: the bucket {bucket} did not take a read policy ({_code(error)}), so "
            f"browsers may not see the renditions in {PUBLIC_PREFIX}. Make that folder public "
            "with your provider (Cloudflare R2: connect a custom domain and set "
            "MEDIA_CUSTOM_DOMAIN; Backblaze B2: a public bucket; Amazon S3: allow public bucket "
            "policies in Block Public Access), then run this again."
        )
        return done
    done.append(f"Renditions in {bucket}/{PUBLIC_PREFIX} are public; everything else is private.")
    return done


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def location_constraint(client) -> dict:
    # Amazon refuses a LocationConstraint of us-east-1 and requires one everywhere else.
    region = client.meta.region_name
    if not region or region == "us-east-1":
        return {}
    return {"CreateBucketConfiguration": {"LocationConstraint": region}}


@require_safe
def serve_rendition(request, path):
    """A rendition from MEDIA_ROOT/images (Django's file view: conditional GET, content type)."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT / PUBLIC_PREFIX)
    response["Cache-Control"] = f"public, max-age={RENDITION_MAX_AGE}"
    return response
