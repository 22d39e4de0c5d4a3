from django import forms
from django.utils.translation import gettext_lazy as _

_CODE_HELP = _("Six digits from your authenticator app, or one of your recovery codes.")


class CodeForm(forms.Form):
    """The second-factor step: a TOTP code or a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_CODE_HELP,
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autofocus": True,
            }
        ),
    )


class EnrolmentForm(forms.Form):
    """Confirming a new authenticator with the first code it shows (and, for the roles that
    must use two-factor authentication, the enrolment code an administrator issued)."""

    enrolment_code = forms.CharField(
        label=_("Enrolment code"),
        max_length=40,
        help_text=_(
            "The one-time code an administrator gave you (for example ABCD-EFGH-JKMN). "
            "Ask your system administrator for one if you have none."
        ),
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=6,
        min_length=6,
        help_text=_("The six digits your authenticator app shows now."),
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
    )

    def __init__(self, *args, needs_enrolment_code: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_enrolment_code:
            self.fields["code"].widget.attrs.pop("autofocus", None)
        else:
            del self.fields["enrolment_code"]

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit():
            raise forms.ValidationError(_("The code is six digits."))
        return code


class ReauthForm(forms.Form):
    """Confirming the password (and the code when enrolled) before a sensitive action."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(
            attrs={
                "class": "form-control",
                "autocomplete": "current-password",
                "autofocus": True,
            }
        ),
    )
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        required=False,
        help_text=_CODE_HELP,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "one-time-code"}),
    )

    def __init__(self, *args, needs_code: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_code:
            self.fields["code"].required = True
        else:
            del self.fields["code"]
