from pacer.core.domains import DomainConfig, Loop, NavItem
from pacer.core.roles import ADMINS, MANAGERS


class MessagingConfig(DomainConfig):
    name = "pacer.messaging"
    label = "messaging"
    urls = "pacer.messaging.urls"
    api = (
        ("/messaging/", "pacer.messaging.api.router"),
        ("/messaging/sms/", "pacer.messaging.sms_api.router"),
        ("/messaging/", "pacer.messaging.provider_api.router"),
        ("/messaging/", "pacer.messaging.health_api.router"),
        ("/messaging/", "pacer.messaging.sender_api.router"),
        ("/messaging/", "pacer.messaging.attributed_api.router"),
        ("/messaging/", "pacer.messaging.webhook_api.router"),
    )
    person_rows = ("pacer.messaging.privacy.person_rows",)
    timeline_sources = (
        "pacer.messaging.timeline.EMAILS",
        "pacer.messaging.timeline.RESPONSES",
        "pacer.messaging.timeline.TEXTS",
    )
    warehouse_tables = ("pacer.messaging.warehouse.MESSAGE_CLICKS",)
    loops = (
        Loop("messaging-delivery", "pacer.messaging.delivery.deliver", "MESSAGING_SECONDS"),
        Loop("messaging-inbound", "pacer.messaging.bounces.serve_and_read", "MESSAGING_SECONDS"),
        Loop("messaging-sms", "pacer.messaging.sms.deliver_sms", "MESSAGING_SECONDS"),
        Loop(
            "messaging-subject-tests",
            "pacer.messaging.subject_test.decide_due",
            "MESSAGING_SECONDS",
        ),
        Loop("webhooks", "pacer.messaging.webhooks.deliver_webhooks", "MESSAGING_SECONDS"),
    )
    permissions = {
        "messaging.view": MANAGERS,
        "messaging.send": MANAGERS,
        "messaging.thresholds": ADMINS,  # when the SMS deliverability warnings are raised
        "messaging.webhooks": ADMINS,  # endpoints that are sent contacts' addresses
    }
    nav = (NavItem("Messages", "messages", "messaging.view", order=20, group="engage"),)
