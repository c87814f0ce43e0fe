from django import forms

from course.models import REFLECTION_MAX_LENGTH


class ReflectionForm(forms.Form):
    answer = forms.CharField(
        label="Your answer",
        max_length=REFLECTION_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "Write something before saving.",
            "max_length": f"Keep your answer under {REFLECTION_MAX_LENGTH:,} characters.",
        },
    )

    def clean_answer(self):
        answer = self.cleaned_data["answer"]
        if "\x00" in answer:
            raise forms.ValidationError("Your answer contains a character we can't store.")
        return answer


class CertificateNameForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    searchable = forms.BooleanField(
        label="Let search engines list my certificate",
        required=False,
        help_text="Off: only people you give the link to find it (it is never in our sitemap).",
    )

    def __init__(self, *args, user, enrolment, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "first_name": user.first_name,
                "last_name": user.last_name,
                "searchable": enrolment.certificate_searchable,
            },
        )
        super().__init__(*args, **kwargs)
