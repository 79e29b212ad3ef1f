from django.urls import path

from pacer.planning import budget_views, plan_views, result_views, spend_views, views

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
    path("plans/", plan_views.plan_tree, name="plans"),
    path("plans/new/", plan_views.node_new, name="plan-node-new"),
    path("plans/timeline/", plan_views.timeline, name="plan-timeline"),
    path("plans/results/", result_views.results, name="plan-results"),
    path("plans/<int:node_id>/", plan_views.node_detail, name="plan-node"),
    path("plans/<int:node_id>/edit/", plan_views.node_edit, name="plan-node-edit"),
    path("plans/<int:node_id>/move/", plan_views.node_move, name="plan-node-move"),
    path("plans/<int:node_id>/delete/", plan_views.node_delete, name="plan-node-delete"),
    path("plans/<int:node_id>/lines/", budget_views.line_new, name="budget-line-new"),
    path("budgets/", budget_views.budgets, name="budgets"),
    path("budgets/transfers/", budget_views.transfer_new, name="budget-transfer-new"),
    path(
        "budgets/transfers/<int:transfer_id>/",
        budget_views.transfer_decide,
        name="budget-transfer-decide",
    ),
    path("budgets/rates/", budget_views.rate_new, name="budget-rate-new"),
    path("budgets/threshold/", budget_views.threshold, name="budget-threshold"),
    path("vendors/", budget_views.vendors, name="vendors"),
    path("vendors/scorecards/", result_views.scorecards, name="vendor-scorecards"),
    path("vendors/<int:vendor_id>/", budget_views.vendor, name="vendor"),
    path("orders/<int:order_id>/", budget_views.order, name="order"),
]
