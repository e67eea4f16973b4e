"""The form kit every app's pages use: forms whose labels sit above their
fields, date and moment inputs, several files in one field, choosers of a
unit, a person or a leader, `apply_errors`, which puts a service's
ValidationError back on the fields it names, and the year and month a page
is asked for (?year=2026, ?month=2026-03). Forms only parse what the
browser sends; the rules are the services'."""

import re

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from . import choices as core_choices

BLANK = [("", "—")]


class Form(forms.Form):
    """Labels sit above their fields: no colon after them. `multipart`: the
    form uploads files (the template sets its enctype)."""

    multipart = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def textarea(rows=3):
    return forms.Textarea(attrs={"rows": rows})


def moment_input():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def moment_field(label, required=True):
    return forms.DateTimeField(label=label, required=required, widget=moment_input(),
                               error_messages={"invalid": f"{label}格式应为 年-月-日 时:分",
                                               "required": f"请填写{label}"})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class PathSelect(forms.Select):
    """A select whose options carry the unit path (data-path), so that the
    page's script can narrow a person list to the chosen unit."""

    def __init__(self, *args, paths=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.paths = paths or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        path = self.paths.get(str(value))
        if path:
            option["attrs"]["data-path"] = path
        return option


class Choices:
    """The choices of units, people and leaders, read once per request."""

    def __init__(self):
        self._units = self._people = self._leaders = None

    @property
    def units(self):
        if self._units is None:
            self._units = core_choices.unit_choices()
        return self._units

    @property
    def people(self):
        if self._people is None:
            self._people = core_choices.people_choices()
        return self._people

    @property
    def leaders(self):
        if self._leaders is None:
            self._leaders = core_choices.leader_choices()
        return self._leaders

    def unit_field(self, label, required=False):
        choices = BLANK + [(str(pk), text) for pk, text, _ in self.units]
        paths = {str(pk): path for pk, _, path in self.units}
        return forms.ChoiceField(label=label, required=required, choices=choices,
                                 widget=PathSelect(paths=paths, attrs={"data-unit-select": "1"}))

    def units_field(self, label, required=False):
        return forms.MultipleChoiceField(label=label, required=required, help_text="可多选",
                                         choices=[(str(pk), text) for pk, text, _ in self.units],
                                         widget=forms.SelectMultiple(attrs={"size": 6}))

    def person_field(self, label, required=False):
        groups = [(unit, [(str(pk), text) for pk, text, _ in people]) for unit, people in self.people]
        paths = {str(pk): path for _, people in self.people for pk, _, path in people}
        return forms.ChoiceField(label=label, required=required, choices=BLANK + groups,
                                 widget=PathSelect(paths=paths, attrs={"data-person-select": "1"}))

    def people_field(self, label, required=False):
        groups = [(unit, [(str(pk), text) for pk, text, _ in people]) for unit, people in self.people]
        return forms.MultipleChoiceField(label=label, required=required, choices=groups, help_text="可多选",
                                         widget=forms.SelectMultiple(attrs={"size": 8}))

    def leader_field(self, label, required=False):
        return forms.ChoiceField(label=label, required=required,
                                 choices=BLANK + [(str(pk), text) for pk, text in self.leaders])


def apply_errors(form, error: ValidationError, extra_fields=(), aliases=None):
    """Put a service's ValidationError on the form: each message on the
    field it names (`aliases`: service field name → form field name), the
    rest on the form. Fields in `extra_fields` are not the form's own (a
    formset's, a widget's) and collect in form.extra_errors."""
    aliases = aliases or {}
    if hasattr(error, "error_dict"):
        for key, messages in error.message_dict.items():
            field = aliases.get(key, key)
            for message in messages:
                if field in form.fields:
                    form.add_error(field, message)
                elif field in extra_fields:
                    form.extra_errors.setdefault(field, []).append(message)
                else:
                    form.add_error(None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def parse_year(value, today=None) -> int:
    """A year from "2026"; the current year when blank or bad."""
    today = today or timezone.localdate()
    try:
        year = int(value)
    except (TypeError, ValueError):
        return today.year
    return year if 2000 <= year <= 2100 else today.year


def parse_month(value, today=None):
    """(year, month) from "2026-03"; the current month when blank or bad."""
    today = today or timezone.localdate()
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", value or "")
    if m and 2000 <= int(m.group(1)) <= 2100 and 1 <= int(m.group(2)) <= 12:
        return int(m.group(1)), int(m.group(2))
    return today.year, today.month


def shift_month(year, month, delta):
    n = year * 12 + (month - 1) + delta
    return n // 12, n % 12 + 1


def run_service(form, call, *, extra_fields=(), aliases=None):
    """Run a service for a bound form: `call(form.cleaned_data)`. None when
    it succeeded (the view redirects); else the status to answer with, its
    refusal on the form: 422 for invalid input or the service's
    ValidationError (on the fields it names, see apply_errors), 403 for a
    PermissionDenied on something the user can see."""
    if not form.is_valid():
        return 422
    try:
        call(form.cleaned_data)
    except PermissionDenied as e:
        form.add_error(None, str(e))
        return 403
    except ValidationError as e:
        apply_errors(form, e, extra_fields, aliases)
        return 422
    return None
