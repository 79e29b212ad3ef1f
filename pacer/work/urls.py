from django.urls import path

from pacer.work import (
    archive_views,
    card_views,
    flow_views,
    label_views,
    mention_views,
    settings_views,
    sprint_views,
    views,
)

urlpatterns = [
    path("work/boards/", views.board_list, name="work-boards"),
    path("work/boards/<slug:slug>/", views.board_detail, name="work-board"),
    path(
        "work/boards/<slug:slug>/settings/",
        settings_views.board_settings,
        name="work-board-settings",
    ),
    path("work/boards/<slug:slug>/labels/", label_views.label_list, name="work-labels"),
    path("work/boards/<slug:slug>/cards/", views.card_create, name="work-card-create"),
    path("work/boards/<slug:slug>/cell/", views.cell_cards, name="work-cell"),
    path("work/boards/<slug:slug>/bulk/", views.bulk_edit, name="work-bulk"),
    path("work/boards/<slug:slug>/flow/", flow_views.flow_metrics, name="work-flow"),
    path("work/boards/<slug:slug>/sprints/", sprint_views.sprint_list, name="work-sprints"),
    path("work/boards/<slug:slug>/standup/", sprint_views.standup, name="work-standup"),
    path("work/sprints/<int:sprint_id>/", sprint_views.sprint_detail, name="work-sprint"),
    path("work/cards/<int:card_id>/", card_views.card_detail, name="work-card"),
    path("work/cards/<int:card_id>/move/", views.card_move, name="work-card-move"),
    path(
        "work/cards/<int:card_id>/link-search/",
        card_views.link_search,
        name="work-card-link-search",
    ),
    path("work/cards/<int:card_id>/archive/", archive_views.card_archive, name="work-card-archive"),
    path("work/cards/<int:card_id>/restore/", archive_views.card_restore, name="work-card-restore"),
    path("work/cards/<int:card_id>/delete/", archive_views.card_delete, name="work-card-delete"),
    path("work/boards/<slug:slug>/archived/", archive_views.archived_list, name="work-archived"),
    path(
        "work/cards/<int:card_id>/attachments/",
        card_views.attachment_upload,
        name="work-attachments",
    ),
    path(
        "work/attachments/<int:attachment_id>/",
        card_views.attachment_download,
        name="work-attachment",
    ),
    path(
        "work/attachments/<int:attachment_id>/delete/",
        card_views.attachment_delete,
        name="work-attachment-delete",
    ),
    path("work/who/", flow_views.who, name="work-who"),
    path("work/mentions/", mention_views.notification_list, name="work-notifications"),
    path("work/mentions/read/", mention_views.notifications_read, name="work-notifications-read"),
    path("work/mentions/email/", mention_views.mention_email_preference, name="work-mention-email"),
    path(
        "work/mentions/<int:notification_id>/",
        mention_views.notification_open,
        name="work-notification",
    ),
]
