from django.urls import path

from tertulia.team import views

app_name = "team"
urlpatterns = [
    path("", views.team, name="team"),
    path("invite/", views.invite, name="invite"),
    path("invitations/<int:pk>/resend/", views.resend, name="resend"),
    path("invitations/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("members/<int:pk>/role/", views.set_role, name="role"),
    path("members/<int:pk>/remove/", views.remove, name="remove"),
    path("members/<int:pk>/hand-over/", views.hand_over, name="hand_over"),
    path("join/<str:token>/", views.join, name="join"),
    path("switch/<int:workspace_id>/", views.switch, name="switch"),
]
