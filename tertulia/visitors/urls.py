from django.urls import path

from tertulia.visitors import views

app_name = "visitors"
urlpatterns = [
    path("", views.visitor_list, name="list"),
    path("export.<str:fmt>", views.visitor_export, name="export"),
    path("<int:visitor_id>/", views.visitor_detail, name="detail"),
    path("<int:visitor_id>/panel/", views.visitor_panel, name="panel"),
    path("<int:visitor_id>/status/", views.visitor_status, name="status"),
    path("<int:visitor_id>/messages/", views.visitor_messages, name="messages"),
]
