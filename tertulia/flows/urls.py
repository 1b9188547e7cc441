from django.urls import path

from tertulia.flows import views

app_name = "flows"
urlpatterns = [
    path("", views.bot_list, name="list"),
    path("<int:bot_id>/", views.bot_settings, name="settings"),
    path("<int:bot_id>/hours/", views.bot_hours, name="hours"),
    path("<int:bot_id>/flow/", views.flow_editor, name="editor"),
    path("<int:bot_id>/flow.json", views.flow_export, name="export"),
    path("<int:bot_id>/flow/import", views.flow_import, name="import"),
]
