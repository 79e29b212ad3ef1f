"""What the simulated business is made of: every chosen parameter is ground truth."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChannelTruth:
    """A paid or owned channel: weekly spend drives new visitors through adstock and saturation.

    New visitors in week t = ``base`` + ``beta`` · hill(adstock(spend)), where adstock is
    geometric with decay ``theta`` and hill(x) = x^s / (x^s + half^s). ``lead_effect`` is
    the channel's additive log-odds effect on a journey's chance to become a lead.
    """

    key: str
    weekly_spend: float
    theta: float
    half_saturation: float
    slope: float
    beta: float
    base: float
    lead_effect: float
    digital: bool = True
    utm_source: str = ""
    utm_medium: str = ""


DEFAULT_CHANNELS = (
    ChannelTruth("paid_search", 6000, 0.3, 5000, 1.2, 260, 20, 0.9, True, "google", "cpc"),
    ChannelTruth(
        "paid_social", 5000, 0.5, 6000, 1.0, 220, 10, 0.4, True, "facebook", "paid_social"
    ),
    ChannelTruth("display", 2500, 0.6, 4000, 1.0, 90, 0, 0.1, True, "dv360", "display"),
    ChannelTruth("video", 2000, 0.7, 5000, 1.5, 60, 0, 0.2, True, "youtube", "cpv"),
    ChannelTruth("affiliate", 1500, 0.2, 2000, 1.0, 50, 0, 0.6, True, "partnerize", "affiliate"),
    ChannelTruth("email", 400, 0.2, 300, 1.0, 40, 15, 1.1, True, "newsletter", "email"),
    ChannelTruth("organic_search", 0, 0.0, 1, 1.0, 0, 120, 0.7, True, "google", "organic"),
    ChannelTruth("organic_social", 0, 0.0, 1, 1.0, 0, 40, 0.3, True, "instagram", "social"),
    ChannelTruth("referral", 0, 0.0, 1, 1.0, 0, 30, 0.5, True, "blog.example.org", "referral"),
    ChannelTruth("direct", 0, 0.0, 1, 1.0, 0, 80, 0.8, True, "(direct)", "(none)"),
    ChannelTruth("tv", 9000, 0.8, 12000, 2.0, 200, 0, 0.0, False),
    ChannelTruth("radio", 2000, 0.6, 3000, 1.5, 50, 0, 0.0, False),
    ChannelTruth("direct_mail", 1500, 0.4, 2000, 1.0, 45, 0, 0.5, True, "postcard", "direct_mail"),
    ChannelTruth("local_partner", 1000, 0.3, 1500, 1.0, 35, 5, 0.6, True, "chamber", "partner"),
)


@dataclass(frozen=True)
class ProductTruth:
    sku: str
    name: str
    category: str
    price: float
    unit_cost: float
    weight: float
    elasticity: float  # demand share ∝ weight · (price multiplier)^elasticity


DEFAULT_PRODUCTS = (
    ProductTruth("SVC-BASIC", "Basic service", "service", 49.0, 18.0, 5.0, -1.8),
    ProductTruth("SVC-PREMIUM", "Premium service", "service", 129.0, 45.0, 2.0, -1.2),
    ProductTruth("SVC-DELUXE", "Deluxe package", "service", 249.0, 95.0, 0.8, -0.9),
    ProductTruth("ADD-EXTRA", "Add-on extra", "add-on", 19.0, 4.0, 3.0, -2.5),
    ProductTruth("ADD-CARE", "Care plan", "add-on", 35.0, 8.0, 1.5, -1.5),
    ProductTruth("GIFT-CARD", "Gift card", "gift", 50.0, 50.0, 0.7, -0.5),
)


@dataclass(frozen=True)
class SimConfig:
    """A business to simulate. The default gives about 20k contacts over 12 months.

    Purchases follow BG/NBD: each customer's weekly rate λ ~ Gamma(r, α) (shape r, rate α)
    and their chance to drop out after each purchase p ~ Beta(a, b).
    """

    seed: int = 7
    contacts: int = 20_000
    months: int = 12
    start: str = "2025-01-06"  # a Monday
    locations: int = 12
    channels: tuple[ChannelTruth, ...] = DEFAULT_CHANNELS
    products: tuple[ProductTruth, ...] = DEFAULT_PRODUCTS
    bgnbd_r: float = 0.6
    bgnbd_alpha: float = 4.0
    bgnbd_a: float = 0.8
    bgnbd_b: float = 2.5
    lead_intercept: float = -2.2
    mean_extra_touches: float = 1.2
    pages_per_touch: float = 1.6
    lead_response_hours_median: float = 6.0
    lead_to_customer_at_zero: float = 0.55
    lead_response_decay_hours: float = 24.0
    email_sends_per_month: int = 2
    email_open_rate: float = 0.28
    email_click_rate: float = 0.12  # of opens
    price_promo_spread: float = 0.2
    # An A/B test on the site: visitors first seen in the last ``experiment_share`` of the
    # period see "control" or "offer" (50/50) and sign up for the newsletter with
    # ``experiment_base_rate``, times ``1 + experiment_lift`` under the offer.
    experiment_share: float = 1 / 3
    experiment_base_rate: float = 0.10
    experiment_lift: float = 0.20
    extra: dict = field(default_factory=dict)

    @property
    def weeks(self) -> int:
        return max(1, round(self.months * 52 / 12))
