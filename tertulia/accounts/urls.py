from django.contrib.auth.views import LogoutView
from django.urls import path

from tertulia.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("account/", views.profile, name="profile"),
    path("workspace/", views.workspace_settings, name="workspace"),
]
