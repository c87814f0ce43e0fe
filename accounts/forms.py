from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.db import IntegrityError, transaction


class SignupForm(AllauthSignupForm):
    """allauth's sign-up, where the database's unique constraint says whether the address is new.

    The view asks it to create the account whatever allauth's check found (see
    accounts/auth_views.py): for a known address, or one that another request created a
    moment ago, the insert meets the constraint and `try_save` answers (None, None) with
    `account_already_exists` set. Both kinds of address do the same work.
    """

    def try_save(self, request):
        try:
            with transaction.atomic():
                return super().try_save(request)
        except IntegrityError:
            self.account_already_exists = True
            return None, None


class NameForm(forms.Form):
    """The name on the person's certificates and in the emails they get."""

    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)


class MarketingConsentForm(forms.Form):
    marketing = forms.BooleanField(
        required=False,
        label="Send me occasional news and new articles by email",
        help_text="Separate from course emails. You can change your mind at any time.",
    )
    course_reminders = forms.BooleanField(
        required=False,
        label="Nudge me by email when a course I’m taking goes quiet",
        help_text="A short note after a few days without progress, with the lesson to continue.",
    )


class DeleteAccountForm(forms.Form):
    confirm = forms.CharField(
        label="Type DELETE to confirm",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_confirm(self):
        value = self.cleaned_data["confirm"].strip()
        if value.upper() != "DELETE":
            raise forms.ValidationError("Type the word DELETE to confirm.")
        return value


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text="Six digits. Lost your phone? Enter one of your recovery codes instead.",
    )
