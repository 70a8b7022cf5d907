from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """The login form; farmers log in with their phone number as user name."""

    error_messages = {
        "invalid_login": _("The user name or phone number and password do not match. Both are case-sensitive."),
        "inactive": _("This account is inactive. Ask your village official."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("User name or phone number")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "inputmode": "text"})
