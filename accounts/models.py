"""The user model: the email address is the identity; there are no usernames."""

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


def normalise_email(email: str) -> str:
    """Trim and lowercase an address so one person has one account."""
    return (email or "").strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalise_email(email), **extra_fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A learner, a coach or an editor, known by their email address."""

    username = None
    email = models.EmailField("email address", unique=True, max_length=254)
    marketing_consent_at = models.DateTimeField(
        "agreed to news by email at",
        null=True,
        blank=True,
        help_text="When the person ticked the box to receive news by email; empty if they did not.",
    )
    course_emails_unsubscribed_at = models.DateTimeField(
        "unsubscribed from course reminders at",
        null=True,
        blank=True,
        help_text="When the person turned off course reminder emails; empty while they get them.",
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        """The name to greet the person by: their first name, or their email."""
        return self.first_name or self.get_full_name() or self.email
