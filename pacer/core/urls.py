from django.contrib.auth import views as auth_views
from django.urls import path

from pacer.core import member_views, outbox_views, views
from pacer.core.login import ThrottledLoginView

urlpatterns = [
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/keys/", views.api_keys, name="api-keys"),
    path("audit/", views.audit_log, name="audit"),
    path("settings/staff-email/", outbox_views.staff_email, name="staff-email"),
    path("settings/staff-email/retry/", outbox_views.staff_email_retry, name="staff-email-retry"),
    path("audit/export/", views.export_audit_log, name="audit-export"),
    path("workspaces/switch/", views.switch_workspace, name="workspace-switch"),
    path("workspaces/new/", views.new_workspace, name="workspace-new"),
    path("settings/members/", member_views.member_list, name="members"),
    path("settings/members/<int:user_id>/role/", member_views.member_role, name="member-role"),
    path(
        "settings/members/<int:user_id>/remove/", member_views.member_remove, name="member-remove"
    ),
    path(
        "settings/invitations/<int:invitation_id>/revoke/",
        member_views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("invitations/<str:token>/", member_views.invitation, name="invitation"),
    path("settings/keys/<int:key_id>/revoke/", views.api_key_revoke, name="api-key-revoke"),
    path("settings/keys/<int:key_id>/rotate/", views.api_key_rotate, name="api-key-rotate"),
]
