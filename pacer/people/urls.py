from django.urls import path

from pacer.people import location_views, views

urlpatterns = [
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/export.csv", views.export_contacts, name="contacts-export"),
    path("contacts/<int:contact_id>/", views.contact, name="contact"),
    path("contacts/<int:contact_id>/timeline/", views.contact_timeline, name="contact-timeline"),
    path("settings/locations/", location_views.locations, name="location-list"),
]
