from django.contrib.auth import views as auth_views

from tertulia.accounts import throttle
from tertulia.accounts.forms import LoginForm


class LoginView(auth_views.LoginView):
    """E-mail login; answers 429 while the account is throttled for this IP."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        throttle.clear(
            email=form.cleaned_data["username"], ip=self.request.META.get("REMOTE_ADDR", "")
        )
        return super().form_valid(form)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.locked_seconds:
            response.status_code = 429
            response["Retry-After"] = str(form.locked_seconds)
        return response


class LogoutView(auth_views.LogoutView):
    pass
