from django.urls import path

from tertulia.inbox import replies

app_name = "replies"
urlpatterns = [
    path("", replies.saved_replies, name="list"),
    path("<int:pk>/", replies.saved_replies, name="edit"),
    path("<int:pk>/delete/", replies.saved_reply_remove, name="delete"),
]
