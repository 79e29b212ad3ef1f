"""The simulated business as Segment-spec messages, in time order."""

from collections.abc import Iterator
from dataclasses import dataclass

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
from pacer.simulate.leads import FORMS
from pacer.simulate.names import person_name

SITE = "https://www.pacer-demo.test"
# what the simulated sign-up form's checkbox says, recorded with each consent it gives
SIGNUP_CONSENT_WORDING = "Email me news and offers. I can unsubscribe at any time."
EMAIL_EVENTS = {
    EVENT_EMAIL_DELIVERED: "Email Delivered",
    EVENT_EMAIL_OPENED: "Email Opened",
    EVENT_EMAIL_CLICKED: "Email Link Clicked",
}


def anonymous_id(business: Business, contact: int) -> str:
    return f"anon-{business.config.seed}-{contact}"


def user_id(business: Business, contact: int) -> str:
    return f"user-{business.config.seed}-{contact}"


def name_of(business: Business, contact: int) -> tuple[str, str]:
    """The person's first and last name (deterministic from the seed)."""
    return person_name(business.config.seed, contact)


def email_of(business: Business, contact: int) -> str:
    first, last = name_of(business, contact)
    return f"{first}.{last}{contact}.s{business.config.seed}@example.test".lower()


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


def message_count(business: Business) -> int:
    """How many messages ``messages`` yields: one per event, and a consent after each
    identify."""
    return len(business.event_time) + int(np.count_nonzero(business.event_kind == EVENT_IDENTIFY))


def messages(business: Business) -> Iterator[dict]:
    """Every event as a Segment message; ``messageId`` is stable, so re-sending dedupes.
    A lead's identify (the sign-up form) is followed by its email-marketing consent, which
    the business's monthly emails to leads rely on."""
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
            first, last = name_of(business, contact)
            message.update(
                type="identify",
                userId=user_id(business, contact),
                traits={
                    "email": email_of(business, contact),
                    "firstName": first,
                    "lastName": last,
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
        if kind == EVENT_IDENTIFY:  # the sign-up form's opt-in: the business emails leads
            yield {
                "type": "track",
                "event": "Consent Updated",
                "messageId": f"sim-{seed}-{i}-consent",
                "anonymousId": message["anonymousId"],
                "userId": message["userId"],
                "timestamp": message["timestamp"],
                "properties": {
                    "channel": "email",
                    "purpose": "marketing",
                    "granted": True,
                    "source": "website sign-up form",
                    "wording": SIGNUP_CONSENT_WORDING,
                },
            }


@dataclass(frozen=True)
class LeadSubmission:
    """A simulated lead as the leads capture path takes it (``pacer.leads.actions.capture``
    ``data``, source "form", received at ``at``), with its truth."""

    contact: int
    at: int  # seconds since the epoch
    data: dict
    response_minutes: float  # wall clock to the first response; inf: never answered
    probability: float  # the true chance to convert
    converted: bool  # became a customer within the period
    converted_at: int  # the first order (seconds), -1 when not converted


def lead_submissions(business: Business) -> list[LeadSubmission]:
    """Every lead's form submission in arrival order: the person's email (and a phone
    number or postal code when the simulated form carried one), their location, the form,
    the page and UTM fields of their first visit, and their anonymous id, so the lead
    resolves to the contact their visits made. ``submission_id`` is stable per seed."""
    seed = business.config.seed
    first_order = np.full(business.n_contacts, -1, dtype=np.int64)
    order_rows = np.arange(len(business.order_contact))[::-1]  # orders are in time order
    first_order[business.order_contact[order_rows]] = business.order_time[order_rows]
    leads = np.flatnonzero(business.lead_at >= 0)
    out = []
    for contact in leads[np.argsort(business.lead_at[leads], kind="stable")].tolist():
        location = int(business.contact_location[contact])
        context = _landing_context(
            business,
            int(business.contact_channel[contact]),
            int(business.contact_campaign[contact]),
        )
        first, last = name_of(business, contact)
        data = {
            "submission_id": f"sim-{seed}-lead-{contact}",
            "email": email_of(business, contact),
            "first_name": first,
            "last_name": last,
            "location": business.location_codes[location],
            "form": FORMS[business.lead_form[contact]],
            "anonymous_id": anonymous_id(business, contact),
            "page_url": f"{SITE}/{FORMS[business.lead_form[contact]]}",
        }
        if business.lead_phone[contact]:
            data["phone"] = f"+1 555 {contact:07d}"
        if business.lead_postal_code[contact]:
            data["postal_code"] = f"{10000 + 731 * location + contact % 97:05d}"
        if "referrer" in context["page"]:
            data["referrer"] = context["page"]["referrer"]
        for key, value in context.get("campaign", {}).items():
            data["utm_campaign" if key == "name" else f"utm_{key}"] = str(value)
        out.append(
            LeadSubmission(
                contact=contact,
                at=int(business.lead_at[contact]),
                data=data,
                response_minutes=float(business.response_hours[contact] * 60),
                probability=float(business.lead_probability[contact]),
                converted=bool(first_order[contact] >= 0),
                converted_at=int(first_order[contact]),
            )
        )
    return out
