from django.contrib.auth import views as auth_views
from django.urls import path

from pacer.web import analytics_views, experiment_views, views, workspace_views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.dashboard, name="dashboard"),
    path("dashboard/panel/", views.dashboard_panel, name="dashboard-panel"),
    path("warehouse/sync/", views.sync_now, name="sync-now"),
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/export.csv", views.export_contacts, name="contacts-export"),
    path("settings/keys/", views.api_keys, name="api-keys"),
    path("audit/", views.audit_log, name="audit"),
    path("workspaces/switch/", workspace_views.switch_workspace, name="workspace-switch"),
    path("workspaces/new/", workspace_views.new_workspace, name="workspace-new"),
    path("settings/members/", workspace_views.member_list, name="members"),
    path("settings/members/<int:user_id>/role/", workspace_views.member_role, name="member-role"),
    path(
        "settings/members/<int:user_id>/remove/",
        workspace_views.member_remove,
        name="member-remove",
    ),
    path("analytics/attribution/", analytics_views.attribution, name="attribution"),
    path("analytics/clv/", analytics_views.clv, name="clv"),
    path("analytics/experiments/", analytics_views.experiments, name="experiments"),
    path("experiments/", experiment_views.experiment_list, name="experiment-list"),
    path("experiments/<slug:key>/", experiment_views.experiment_detail, name="experiment-detail"),
    path(
        "experiments/<slug:key>/status/",
        experiment_views.experiment_status,
        name="experiment-status",
    ),
]
