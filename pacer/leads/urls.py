from django.urls import path

from pacer.leads import (
    call_views,
    config_views,
    form_views,
    import_views,
    lead_views,
    report_views,
    score_views,
    sla_views,
    views,
)

urlpatterns = [
    path("leads/", views.inbox, name="lead-inbox"),
    path("leads/locations/", views.location_queues, name="lead-queues"),
    path("leads/speed/", report_views.speed_to_lead, name="lead-speed"),
    path("leads/funnel/", report_views.lead_funnel, name="lead-funnel"),
    path("leads/notices/read/", lead_views.read_notices, name="lead-notices-read"),
    path("leads/<int:lead_id>/", lead_views.lead_detail, name="lead-detail"),
    path("leads/<int:lead_id>/call/", call_views.log_call, name="lead-log-call"),
    path("leads/routing/", config_views.routing_settings, name="lead-routing"),
    path("leads/routing/rules/new/", config_views.rule_new, name="lead-rule-new"),
    path("leads/routing/rules/<int:position>/", config_views.rule_edit, name="lead-rule"),
    path(
        "leads/routing/rules/<int:position>/delete/",
        config_views.rule_delete,
        name="lead-rule-delete",
    ),
    path("leads/routing/agents/new/", config_views.agent_new, name="lead-agent-new"),
    path("leads/routing/agents/<int:agent_id>/", config_views.agent_edit, name="lead-agent"),
    path(
        "leads/routing/agents/<int:agent_id>/delete/",
        config_views.agent_delete,
        name="lead-agent-delete",
    ),
    path("leads/scoring/", score_views.scoring_settings, name="lead-scoring"),
    path("leads/scoring/rules/new/", score_views.score_rule_new, name="lead-score-rule-new"),
    path("leads/scoring/rules/<int:rule_id>/", score_views.score_rule_edit, name="lead-score-rule"),
    path(
        "leads/scoring/rules/<int:rule_id>/delete/",
        score_views.score_rule_delete,
        name="lead-score-rule-delete",
    ),
    path(
        "leads/scoring/thresholds/<slug:from_stage>/delete/",
        score_views.threshold_delete,
        name="lead-score-threshold-delete",
    ),
    path("leads/locating/", config_views.locating_settings, name="lead-locating"),
    path("leads/sla/", sla_views.sla_settings, name="lead-sla"),
    path("leads/sla/<int:policy_id>/delete/", sla_views.sla_delete, name="lead-sla-delete"),
    path(
        "leads/sla/escalation/delete/",
        sla_views.escalation_delete,
        name="lead-escalation-delete",
    ),
    path("leads/forms/", form_views.form_list, name="lead-forms"),
    path("leads/import/", import_views.import_leads, name="lead-import"),
    path("leads/forms/<slug:key>/", form_views.form_settings, name="lead-form-settings"),
    path("f/<slug:workspace>/<slug:key>/", form_views.hosted_form, name="lead-form"),
    path(
        "f/<slug:workspace>/<slug:key>/embed.js",
        form_views.embed_script,
        name="lead-form-embed",
    ),
]
