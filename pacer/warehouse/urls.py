from django.urls import path

from pacer.warehouse import views

urlpatterns = [path("warehouse/sync/", views.sync_now, name="sync-now")]
