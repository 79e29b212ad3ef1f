from django.urls import path

from pacer.experiments import views

urlpatterns = [
    path("analytics/experiments/", views.calculator, name="experiments"),
    path("experiments/", views.experiment_list, name="experiment-list"),
    path("experiments/<slug:key>/", views.experiment_detail, name="experiment-detail"),
    path("experiments/<slug:key>/status/", views.experiment_status, name="experiment-status"),
]
