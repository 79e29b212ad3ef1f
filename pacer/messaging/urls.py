from django.urls import path

from pacer.messaging import views

urlpatterns = [
    path("messages/", views.overview, name="messages"),
    path("messages/templates/new/", views.template_new, name="message-template-new"),
    path("messages/templates/<int:template_id>/", views.template_edit, name="message-template"),
    path("messages/senders/new/", views.sender_new, name="message-sender-new"),
    path("messages/broadcasts/new/", views.broadcast_new, name="broadcast-new"),
    path("messages/broadcasts/<int:broadcast_id>/", views.broadcast_detail, name="broadcast"),
    path("m/u/<str:token>/", views.unsubscribe_page, name="unsubscribe"),
]
