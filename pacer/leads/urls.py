from django.urls import path

from pacer.leads import form_views, views

urlpatterns = [
    path("leads/", views.inbox, name="lead-inbox"),
    path("leads/locations/", views.location_queues, name="lead-queues"),
    path("leads/speed/", views.speed_to_lead, name="lead-speed"),
    path("leads/funnel/", views.lead_funnel, name="lead-funnel"),
    path("leads/notices/read/", views.read_notices, name="lead-notices-read"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead-detail"),
    path("leads/forms/", form_views.form_list, name="lead-forms"),
    path("f/<slug:workspace>/<slug:key>/", form_views.hosted_form, name="lead-form"),
]
