from django.urls import path

from tertulia.inbox import bulk, exports, merge, views

app_name = "visitors"
urlpatterns = [
    path("", views.visitor_list, name="list"),
    path("export.<str:fmt>", exports.visitor_export, name="export"),
    path("exports/", exports.visitor_exports, name="exports"),
    path("exports/start", exports.visitor_export_start, name="export_start"),
    path("exports/<int:job_id>/", exports.visitor_export_job, name="export_job"),
    path("exports/<int:job_id>/download", exports.visitor_export_download, name="export_download"),
    path("exports/<int:job_id>/dismiss", exports.visitor_export_dismiss, name="export_dismiss"),
    path("bulk/", bulk.visitors_bulk, name="bulk"),
    path("bulk/<int:job_id>/", bulk.visitors_bulk_progress, name="bulk_progress"),
    path("<int:visitor_id>/", views.visitor_detail, name="detail"),
    path("<int:visitor_id>/panel/", views.visitor_panel, name="panel"),
    path("<int:visitor_id>/status/", views.visitor_status, name="status"),
    path("<int:visitor_id>/assign/", views.visitor_assign_to, name="assign"),
    path("<int:visitor_id>/delete/", views.visitor_delete_confirm, name="delete"),
    path("<int:visitor_id>/anonymise/", views.visitor_anonymise_confirm, name="anonymise"),
    path("<int:visitor_id>/merge/", merge.visitor_merge, name="merge"),
    path("<int:visitor_id>/messages/", views.visitor_messages, name="messages"),
    path("<int:visitor_id>/conversation/", views.visitor_conversation, name="conversation"),
    path("<int:visitor_id>/reply", views.visitor_reply, name="reply"),
    path("<int:visitor_id>/live-chat", views.visitor_live_chat, name="live_chat"),
    path("<int:visitor_id>/typing", views.visitor_typing, name="typing"),
]
