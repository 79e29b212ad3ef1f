from django.urls import path

from pacer.leads import views

urlpatterns = [
    path("leads/", views.inbox, name="lead-inbox"),
    path("leads/locations/", views.location_queues, name="lead-queues"),
    path("leads/notices/read/", views.read_notices, name="lead-notices-read"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead-detail"),
]
