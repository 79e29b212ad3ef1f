from django.urls import path

from pacer.messaging import (
    broadcast_views,
    provider_views,
    public_views,
    sender_views,
    settings_views,
    sms_views,
    template_views,
    twilio_views,
    views,
)

urlpatterns = [
    path("messages/", views.overview, name="messages"),
    path("messages/templates/new/", views.template_new, name="message-template-new"),
    path(
        "messages/templates/report/",
        template_views.template_report_page,
        name="message-template-report",
    ),
    path("messages/templates/<int:template_id>/", views.template_edit, name="message-template"),
    path("messages/senders/new/", views.sender_new, name="message-sender-new"),
    path("messages/senders/<int:sender_id>/", sender_views.sender_page, name="message-sender"),
    path("messages/broadcasts/new/", broadcast_views.broadcast_new, name="broadcast-new"),
    path(
        "messages/broadcasts/<int:broadcast_id>/",
        broadcast_views.broadcast_detail,
        name="broadcast",
    ),
    path(
        "messages/broadcasts/<int:broadcast_id>/delivery.csv",
        broadcast_views.delivery_csv,
        name="broadcast-delivery-csv",
    ),
    path("messages/sms/", sms_views.sms_list, name="sms-list"),
    path("messages/sms/new/", sms_views.sms_new, name="sms-new"),
    path("messages/sms/<int:broadcast_id>/", sms_views.sms_detail, name="sms"),
    path("messages/settings/", settings_views.sending_rules, name="message-settings"),
    path("m/u/<str:token>/", public_views.unsubscribe_page, name="unsubscribe"),
    path("m/p/<str:token>/", public_views.preferences_page, name="preferences"),
    path("m/o/<str:token>/", public_views.open_pixel, name="message-open"),
    path("m/c/<str:token>/", public_views.click, name="message-click"),
    path(
        "m/events/<str:provider>/<str:token>/",
        provider_views.provider_event_post,
        name="provider-events",
    ),
    path("m/sms/twilio/<str:token>/status/", twilio_views.status_callback, name="twilio-status"),
    path("m/sms/twilio/<str:token>/inbound/", twilio_views.inbound_text, name="twilio-inbound"),
]
