from django.contrib.auth.views import LogoutView
from django.urls import path

from tertulia.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("account/", views.profile, name="profile"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/email/", views.email_change_request, name="email_change"),
    path("account/email/<str:token>/", views.email_confirm, name="email_confirm"),
    path("password/forgot/", views.password_forgot, name="password_forgot"),
    path("password/reset/<str:token>/", views.password_reset, name="password_reset"),
    path("workspace/", views.workspace_settings, name="workspace"),
    path("workspace/delete/", views.workspace_delete_confirm, name="workspace_delete"),
]
