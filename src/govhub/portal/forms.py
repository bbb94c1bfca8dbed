"""Forms of the citizen app: each shows what was wrong next to the field, keeping what was typed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from govhub.portal.models import Channel, Topic


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search mini-apps"), required=False, max_length=100)
    category = forms.CharField(required=False, max_length=32)


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("Your rating"), coerce=int, widget=forms.RadioSelect,
        choices=[(n, str(n)) for n in range(5, 0, -1)])
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class NotificationForm(forms.Form):
    channels = forms.MultipleChoiceField(label=_("Channels"), required=False,
                                         choices=Channel.choices,
                                         widget=forms.CheckboxSelectMultiple)
    topics = forms.MultipleChoiceField(label=_("Topics"), required=False, choices=Topic.choices,
                                       widget=forms.CheckboxSelectMultiple)


class PushDeviceForm(forms.Form):
    device_id = forms.CharField(min_length=16, max_length=64)
    is_enabled = forms.BooleanField(required=False)
