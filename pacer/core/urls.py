from django.contrib.auth import views as auth_views
from django.urls import path

from pacer.core import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/keys/", views.api_keys, name="api-keys"),
    path("audit/", views.audit_log, name="audit"),
    path("workspaces/switch/", views.switch_workspace, name="workspace-switch"),
    path("workspaces/new/", views.new_workspace, name="workspace-new"),
    path("settings/members/", views.member_list, name="members"),
    path("settings/members/<int:user_id>/role/", views.member_role, name="member-role"),
    path("settings/members/<int:user_id>/remove/", views.member_remove, name="member-remove"),
]
