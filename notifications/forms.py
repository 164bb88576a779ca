from django import forms

from notifications.selectors import Preference


class PreferencesForm(forms.Form):
    """Two boxes per kind the user can tune: by e-mail, in the application."""

    def __init__(self, *args, preferences: list[Preference], **kwargs):
        super().__init__(*args, **kwargs)
        self.preferences = preferences
        for preference in preferences:
            self.fields[f"{preference.kind}__email"] = forms.BooleanField(
                label=f"{preference.label} — par courriel", required=False, initial=preference.by_email
            )
            self.fields[f"{preference.kind}__app"] = forms.BooleanField(
                label=f"{preference.label} — dans l'application", required=False, initial=preference.in_app
            )
            for suffix in ("email", "app"):
                self.fields[f"{preference.kind}__{suffix}"].widget.attrs["class"] = "form-check-input"

    def rows(self):
        """(preference, e-mail box, application box) per kind, for the template's table."""
        return [(p, self[f"{p.kind}__email"], self[f"{p.kind}__app"]) for p in self.preferences]

    def choices(self) -> dict[str, tuple[bool, bool]]:
        data = self.cleaned_data
        return {p.kind: (data[f"{p.kind}__email"], data[f"{p.kind}__app"]) for p in self.preferences}
