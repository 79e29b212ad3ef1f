from django.urls import path

from pacer.teams import cx_views, views

urlpatterns = [
    path("teams/", views.team_list, name="teams"),
    path("teams/<slug:key>/", views.team_scoreboard, name="team"),
    path("teams/<slug:key>/edit/", views.team_edit, name="team-edit"),
    path("teams/<slug:key>/targets/", views.team_targets, name="team-targets"),
    path("teams/<slug:key>/targets/remove/", views.team_target_remove, name="team-target-remove"),
    path("teams/<slug:key>/review/", views.team_review, name="team-review"),
    path(
        "teams/<slug:key>/review/actions/<int:item_id>/done/",
        views.action_done,
        name="team-action-done",
    ),
    path("locations/scoreboard/", cx_views.location_scoreboard, name="location-scoreboard"),
    path("experience/", cx_views.experience, name="cx"),
    path("experience/ratings/", cx_views.import_ratings, name="cx-ratings"),
    path("experience/surveys/<int:survey_id>/", cx_views.survey_detail, name="cx-survey"),
    path("experience/surveys/<int:survey_id>/send/", cx_views.send_survey, name="cx-survey-send"),
    path(
        "experience/surveys/<int:survey_id>/trigger/",
        cx_views.survey_trigger,
        name="cx-survey-trigger",
    ),
    path("s/<str:token>/", cx_views.answer_survey, name="survey-answer"),
    path("s/e/<str:token>/", cx_views.answer_survey_by_email, name="survey-email"),
]
