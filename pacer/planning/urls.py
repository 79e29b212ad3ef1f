from django.urls import path

from pacer.planning import spend_views, views

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/export.csv", views.export_campaigns, name="campaigns-export"),
    path("campaigns/new/", views.campaign_new, name="campaign-new"),
    path("campaigns/links/", views.link_builder, name="campaign-links"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign-detail"),
    path("campaigns/<int:campaign_id>/edit/", views.campaign_edit, name="campaign-edit"),
    path("spend/", spend_views.spend_list, name="spend"),
    path("spend/export.csv", spend_views.export_spend, name="spend-export"),
    path("spend/new/", spend_views.spend_new, name="spend-new"),
    path("spend/<int:entry_id>/edit/", spend_views.spend_edit, name="spend-edit"),
    path("spend/upload/", spend_views.spend_upload, name="spend-upload"),
    path(
        "spend/upload/<int:upload_id>/",
        spend_views.spend_upload_preview,
        name="spend-upload-preview",
    ),
]
