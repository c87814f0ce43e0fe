from django import forms


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
