from django.urls import path

from tertulia.widget import views

app_name = "widget"
urlpatterns = [
    path("widget.js", views.loader, name="loader"),
    path("widget/<str:key>/", views.frame, name="frame"),
    path("widget/<str:key>/look", views.look, name="look"),
    path("widget/<str:key>/open", views.api_open, name="open"),
    path("widget/<str:key>/send", views.api_send, name="send"),
    path("widget/<str:key>/messages", views.api_messages, name="messages"),
    path("widget/<str:key>/typing", views.api_typing, name="typing"),
    path("widget/<str:key>/page", views.api_page, name="page"),
    path("widget/<str:key>/transcript", views.api_transcript, name="transcript"),
    path("chat/stop-emails/<str:token>/", views.stop_emails, name="stop_emails"),
]
