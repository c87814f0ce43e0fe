from botocore.exceptions import BotoCoreError, ClientError
from django.core.management.base import BaseCommand, CommandError

from coachhouse import media


class Command(BaseCommand):
    help = (
        "With media in a bucket (MEDIA_BUCKET): create the bucket if it is missing and let "
        "anyone read the renditions pages show (images/), nothing else. The release runs it; "
        "with media on this server's disk it does nothing."
    )

    def handle(self, *args, **options):
        if not media.uses_bucket():
            self.stdout.write("Media are on this server's disk (MEDIA_ROOT): nothing to prepare.")
            return
        try:
            for line in media.prepare_bucket():
                if line.startswith("Warning:"):
                    self.stderr.write(self.style.WARNING(line))
                else:
                    self.stdout.write(line)
        except (BotoCoreError, ClientError) as error:
            raise CommandError(
                f"The media bucket could not be prepared: {error}. Check MEDIA_BUCKET, "
                "AWS_S3_ENDPOINT_URL and the access key's rights (it needs to create the "
                "bucket, or it must exist, and to set its policy; on Amazon S3, allow public "
                "bucket policies in the bucket's Block Public Access settings)."
            ) from error
