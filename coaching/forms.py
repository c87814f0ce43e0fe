from django import forms

from accounts.validators import validate_mailable_address
from coaching.models import GOALS_MAX_LENGTH, NAME_MAX_LENGTH, WaitListEntry


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise forms.ValidationError("This contains a character we can't store.")
    return value


class AnswersForm(forms.Form):
    """What the coach wants to know before a first session."""

    name = forms.CharField(label="Your name", max_length=NAME_MAX_LENGTH, validators=[_no_nul])
    job_search_stage = forms.ChoiceField(
        label="Where are you in your job search?",
        choices=[("", "Choose one"), *WaitListEntry.Stage.choices],
    )
    goals = forms.CharField(
        label="What do you want from coaching?",
        max_length=GOALS_MAX_LENGTH,
        validators=[_no_nul],
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="A few sentences is plenty.",
    )
    share_reflections = forms.BooleanField(
        label="Share my course reflections with the coach",
        required=False,
        help_text="Your answers to the course's reflection prompts, so she can prepare.",
    )

    def __init__(self, *args, can_share_reflections: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_share_reflections:
            del self.fields["share_reflections"]


class JoinForm(AnswersForm):
    email = forms.EmailField(
        label="Your email address", max_length=254, validators=[validate_mailable_address]
    )

    field_order = ["name", "email", "job_search_stage", "goals", "share_reflections"]


def join_form_for(request, data=None) -> JoinForm:
    """The join form as this visitor sees it: a signed-in learner's name and email filled in,
    and the reflections question only for them (only a learner has reflections to share)."""
    user = request.user
    signed_in = user.is_authenticated
    initial = {"name": user.get_full_name(), "email": user.email} if signed_in else {}
    return JoinForm(data, initial=initial, can_share_reflections=signed_in)
