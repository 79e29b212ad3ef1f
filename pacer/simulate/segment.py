"""The simulated business as Segment-spec messages, in time order."""

from collections.abc import Iterator

import numpy as np

from pacer.simulate.business import (
    EVENT_EMAIL_CLICKED,
    EVENT_EMAIL_DELIVERED,
    EVENT_EMAIL_OPENED,
    EVENT_EXPERIMENT_VIEWED,
    EVENT_IDENTIFY,
    EVENT_LANDING,
    EVENT_ORDER,
    EVENT_PAGE,
    EVENT_SIGNUP,
    EXPERIMENT_KEY,
    EXPERIMENT_VARIANTS,
    SIGNUP_EVENT,
    Business,
    iso,
)

SITE = "https://www.pacer-demo.test"
EMAIL_EVENTS = {
    EVENT_EMAIL_DELIVERED: "Email Delivered",
    EVENT_EMAIL_OPENED: "Email Opened",
    EVENT_EMAIL_CLICKED: "Email Link Clicked",
}


def anonymous_id(business: Business, contact: int) -> str:
    return f"anon-{business.config.seed}-{contact}"


def user_id(business: Business, contact: int) -> str:
    return f"user-{business.config.seed}-{contact}"


def email_of(business: Business, contact: int) -> str:
    return f"person{contact}.s{business.config.seed}@example.test"


def order_id(business: Business, order: int) -> str:
    return f"ord-{business.config.seed}-{order}"


def _landing_context(business: Business, channel: int, campaign: int) -> dict:
    truth = business.config.channels[channel]
    url = f"{SITE}/"
    page = {"url": url, "path": "/"}
    if truth.key == "direct":
        return {"page": page}
    if truth.key == "organic_search":
        page["referrer"] = "https://www.google.com/"
        return {"page": page}
    if truth.key == "organic_social":
        page["referrer"] = "https://l.instagram.com/"
        return {"page": page}
    if truth.key == "referral":
        page["referrer"] = "https://blog.example.org/best-local-services"
        return {"page": page}
    name = business.campaign_names[campaign] if campaign >= 0 else ""
    page["url"] = (
        f"{url}?utm_source={truth.utm_source}&utm_medium={truth.utm_medium}&utm_campaign={name}"
    )
    return {
        "page": page,
        "campaign": {"source": truth.utm_source, "medium": truth.utm_medium, "name": name},
    }


def messages(business: Business) -> Iterator[dict]:
    """Every event as a Segment message; ``messageId`` is stable, so re-sending dedupes."""
    seed = business.config.seed
    lead_at = business.lead_at
    products = business.config.products
    line_starts = np.searchsorted(business.line_order, np.arange(len(business.order_time) + 1))
    for i in range(len(business.event_time)):
        contact = int(business.event_contact[i])
        when = int(business.event_time[i])
        kind = int(business.event_kind[i])
        message = {
            "messageId": f"sim-{seed}-{i}",
            "anonymousId": anonymous_id(business, contact),
            "timestamp": iso(when),
        }
        if 0 <= lead_at[contact] <= when:
            message["userId"] = user_id(business, contact)
        if kind == EVENT_LANDING:
            message.update(
                type="page",
                name="Home",
                context=_landing_context(
                    business, int(business.event_channel[i]), int(business.event_campaign[i])
                ),
            )
        elif kind == EVENT_PAGE:
            message.update(
                type="page",
                name="Services",
                context={
                    "page": {"url": f"{SITE}/services", "path": "/services", "referrer": f"{SITE}/"}
                },
            )
        elif kind == EVENT_IDENTIFY:
            message.update(
                type="identify",
                userId=user_id(business, contact),
                traits={
                    "email": email_of(business, contact),
                    "firstName": f"Person{contact}",
                    "location": business.location_codes[business.contact_location[contact]],
                },
            )
        elif kind == EVENT_ORDER:
            order = int(business.event_order[i])
            lines = range(line_starts[order], line_starts[order + 1])
            message.update(
                type="track",
                event="Order Completed",
                properties={
                    "order_id": order_id(business, order),
                    "total": float(business.order_total[order]),
                    "currency": "USD",
                    "location": business.location_codes[business.contact_location[contact]],
                    "products": [
                        {
                            "sku": products[business.line_product[j]].sku,
                            "name": products[business.line_product[j]].name,
                            "category": products[business.line_product[j]].category,
                            "price": float(business.line_price[j]),
                            "quantity": int(business.line_quantity[j]),
                        }
                        for j in lines
                    ],
                },
            )
        elif kind == EVENT_EXPERIMENT_VIEWED:
            variant = EXPERIMENT_VARIANTS[business.contact_variant[contact]]
            message.update(
                type="track",
                event="Experiment Viewed",
                properties={"experiment_id": EXPERIMENT_KEY, "variation_id": variant},
            )
        elif kind == EVENT_SIGNUP:
            message.update(type="track", event=SIGNUP_EVENT, properties={"list": "newsletter"})
        else:
            message.update(
                type="track",
                event=EMAIL_EVENTS[kind],
                properties={
                    "email_subject": "Your monthly tips",
                    "campaign_id": f"newsletter-{iso(when)[:7]}",
                },
            )
        yield message
