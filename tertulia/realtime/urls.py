from django.urls import path

from tertulia.realtime import views

app_name = "realtime"
urlpatterns = [path("presence/", views.presence_switch, name="presence")]
