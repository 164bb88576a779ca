"""The forms base every screen uses: one styled form, one date widget, and one way to show a
service's refusal (a ValidationError with French messages by field) on the form that called it."""

from django import forms
from django.core.exceptions import ValidationError


class DateWidget(forms.DateInput):
    """A browser date picker; ISO values so that it shows what the form holds."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, so that templates render fields as they come."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def add_service_errors(form: forms.Form, refusal: ValidationError) -> None:
    """A service refused (DESIGN.md: the rules live in services): its messages go on the fields they
    name, the others on the form as a whole."""
    errors = refusal.message_dict if hasattr(refusal, "error_dict") else {None: refusal.messages}
    for name, texts in errors.items():
        form.add_error(name if name in form.fields else None, texts)
