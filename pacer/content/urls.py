from django.urls import path

from pacer.content import asset_views, calendar_views, flag_views, share_views, views

urlpatterns = [
    path("content/items/", views.item_list, name="content-list"),
    path("content/items/<int:item_id>/", views.item_detail, name="content-item"),
    path("content/items/<int:item_id>/state/", views.item_transition, name="content-transition"),
    path("content/items/<int:item_id>/version/", views.item_version, name="content-version"),
    path("content/items/<int:item_id>/vote/", views.item_vote, name="content-vote"),
    path("content/items/<int:item_id>/comment/", views.item_comment, name="content-comment"),
    path("content/items/<int:item_id>/schedule/", views.item_reschedule, name="content-reschedule"),
    path("content/items/<int:item_id>/assets/", views.item_use_asset, name="content-use-asset"),
    path("content/items/<int:item_id>/changes/", views.item_diff, name="content-diff"),
    path("content/items/<int:item_id>/due/", views.item_due, name="content-due"),
    path("content/flags/", flag_views.flag_list, name="content-flags"),
    path("content/flags/<int:flag_id>/clear/", flag_views.flag_clear, name="content-flag-clear"),
    path("content/calendar/", calendar_views.content_calendar, name="content-calendar"),
    path(
        "content/calendar/move/<int:item_id>/",
        calendar_views.calendar_move,
        name="content-calendar-move",
    ),
    path("content/themes/", calendar_views.theme_create, name="content-theme"),
    path("content/feeds/", calendar_views.feeds, name="content-feeds"),
    path("content/feeds/<str:token>.ics", calendar_views.ical_feed, name="content-ical"),
    path("assets/", asset_views.asset_list, name="asset-list"),
    path("assets/<int:asset_id>/", asset_views.asset_detail, name="asset-detail"),
    path("assets/<int:asset_id>/edit/", asset_views.asset_update, name="asset-update"),
    path("assets/<int:asset_id>/version/", asset_views.asset_version, name="asset-version"),
    path("assets/<int:asset_id>/collect/", asset_views.asset_collect, name="asset-collect"),
    path("assets/<int:asset_id>/withdraw/", asset_views.asset_withdraw, name="asset-withdraw"),
    path("assets/<int:asset_id>/releases/", asset_views.release_add, name="asset-release-add"),
    path(
        "assets/<int:asset_id>/releases/<int:release_id>/",
        asset_views.release_edit,
        name="asset-release-edit",
    ),
    path(
        "assets/<int:asset_id>/releases/<int:release_id>/remove/",
        asset_views.release_remove,
        name="asset-release-remove",
    ),
    path(
        "assets/<int:asset_id>/v<int:number>/<slug:kind>/",
        asset_views.asset_file,
        name="asset-file",
    ),
    path(
        "assets/collections/<int:collection_id>/",
        share_views.collection_detail,
        name="collection",
    ),
    path(
        "assets/collections/<int:collection_id>/share/",
        share_views.collection_share,
        name="collection-share",
    ),
    path("share/<str:token>/", share_views.share, name="share"),
    path(
        "share/<str:token>/<int:asset_id>/<slug:kind>/",
        share_views.share_download,
        name="share-download",
    ),
]
