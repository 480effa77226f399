"""Forms of the login and password pages. Business rules stay in accounts.services."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from safegrid.core.errors import ServiceError

from .services import login_check


def add_bootstrap(form):
    """Give every widget Bootstrap's class and mark fields with errors invalid."""
    for name, field in form.fields.items():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        if form.is_bound and name in form.errors:
            css += " is-invalid"
        field.widget.attrs["class"] = css
    return form


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, request, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.user = login_check(self.request, data["username"], data["password"])
        except ServiceError as exc:
            field = exc.field if exc.field in self.fields else None
            self.add_error(field, exc.message)
        return data


class StampedAdminPasswordChangeForm(AdminPasswordChangeForm):
    """A password set in Django admin goes through accounts.services.set_password like every other
    (stamped, audited, changed by the user at the next log-in)."""

    actor = None  # the administrator, set per request by SafegridUserAdmin

    def save(self, commit=True):
        from .services import set_password

        return set_password(self.user, self.cleaned_data["password1"], actor=self.actor, must_change=True)


class AdminLoginForm(AdminAuthenticationForm):
    """Django admin's login form with the platform's lockout and audit (`login_check`), not bare authenticate()."""

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = login_check(self.request, username, password)
            except ServiceError as exc:
                raise ValidationError(exc.message, code=exc.code) from exc
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
