from django.urls import path

from pacer.privacy import views

urlpatterns = [
    path("settings/privacy/", views.privacy, name="privacy"),
    path("settings/privacy/export/", views.export, name="privacy-export"),
    path("settings/privacy/erase/", views.erase, name="privacy-erase"),
]
