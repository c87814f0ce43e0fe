"""A console email backend for `make run` that prints what a reader would see."""

from django.core.mail.backends import console


class EmailBackend(console.EmailBackend):
    """Prints the headers and the plain-text body decoded, so codes and links copy cleanly.

    Django's own console backend prints the raw MIME message, in which long lines and
    non-ASCII text are quoted-printable encoded: links break across lines with "=".
    """

    def write_message(self, message):
        lines = [
            f"From: {message.from_email}",
            f"To: {', '.join(message.to)}",
            f"Subject: {message.subject}",
            "",
            message.body,
            "",
            "-" * 79,
            "",
        ]
        self.stream.write("\n".join(lines))
