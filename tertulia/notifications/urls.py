from django.urls import path

from tertulia.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.bell, name="bell"),
    path("read", views.mark_read, name="read"),
]
