from django.urls import path

from pacer.web import views

urlpatterns = [path("styleguide/", views.styleguide, name="styleguide")]
