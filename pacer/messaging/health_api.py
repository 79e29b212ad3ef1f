"""REST: email deliverability of the workspace and each sender domain over the last day
and week (``pacer.messaging.email_health``), as the messaging overview shows it."""

from ninja import Field, Router, Schema

from pacer.core.api_schema import ERRORS
from pacer.core.permissions import endpoint
from pacer.messaging import email_health

router = Router(tags=["messaging"])


class WindowOut(Schema):
    sent: int = Field(description="messages accepted by the relay in the window")
    handed: int = Field(description="messages handed to the relay in it (sent or refused)")
    bounced: int = Field(
        description="refused for good in the window, or hard-bounced (reported in it)"
    )
    complained: int = Field(description="messages reported as spam in the window")
    bounce_rate: float | None = Field(description="bounced / handed; null when none handed")
    complaint_rate: float | None = Field(description="complained / sent; null when none sent")


class ScopeOut(Schema):
    day: WindowOut = Field(description="the last 24 hours")
    week: WindowOut = Field(description="the last 7 days")


class DomainOut(ScopeOut):
    domain: str = Field(description="the From address's domain")


class EmailDeliverabilityOut(Schema):
    all: ScopeOut = Field(description="every email of the workspace")
    domains: list[DomainOut] = Field(description="per sender domain with mail in the week")
    warnings: list[str] = Field(
        description="each a sentence naming the scope, window, rate, counts and what to do"
    )
    definitions: dict[str, str] = Field(description="what each rate counts, by its name")


@router.get("/deliverability", response={200: EmailDeliverabilityOut, **ERRORS})
@endpoint("messaging.view")
def email_deliverability(request):
    """Complaint and bounce rates over the last 24 hours and 7 days, of the workspace and
    each sender domain, and the warnings at Gmail's and Yahoo's thresholds (complaints at
    or over 0.1 % and 0.3 %, bounces over 2 %)."""
    return email_health.deliverability(request.workspace)
