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


# Spend in dollars a week for a business gaining ``SimConfig.reference_contacts_per_week``
# new contacts a week (the booked spend scales with the simulated size); half-saturation
# in the same dollars. Tuned so the default business spends about a tenth of its revenue,
# earns it back overall, and carries some channels under water (docs/simulator.md).
DEFAULT_CHANNELS = (
    ChannelTruth("paid_search", 675, 0.3, 585, 1.2, 260, 20, 0.9, True, "google", "cpc"),
    ChannelTruth("paid_social", 505, 0.5, 675, 1.0, 200, 10, 0.4, True, "facebook", "paid_social"),
    ChannelTruth("display", 290, 0.6, 450, 1.0, 22, 0, 0.1, True, "dv360", "display"),
    ChannelTruth("video", 260, 0.7, 585, 1.5, 20, 0, 0.2, True, "youtube", "cpv"),
    ChannelTruth("affiliate", 110, 0.2, 225, 1.0, 40, 0, 0.6, True, "partnerize", "affiliate"),
    ChannelTruth("email", 45, 0.2, 40, 1.0, 40, 15, 1.1, True, "newsletter", "email"),
    ChannelTruth("organic_search", 0, 0.0, 1, 1.0, 0, 120, 0.7, True, "google", "organic"),
    ChannelTruth("organic_social", 0, 0.0, 1, 1.0, 0, 40, 0.3, True, "instagram", "social"),
    ChannelTruth("referral", 0, 0.0, 1, 1.0, 0, 30, 0.5, True, "blog.example.org", "referral"),
    ChannelTruth("direct", 0, 0.0, 1, 1.0, 0, 80, 0.8, True, "(direct)", "(none)"),
    ChannelTruth("tv", 790, 0.8, 1125, 2.0, 230, 0, 0.0, False),
    ChannelTruth("radio", 225, 0.6, 340, 1.5, 25, 0, 0.0, False),
    ChannelTruth("direct_mail", 180, 0.4, 225, 1.0, 45, 0, 0.5, True, "postcard", "direct_mail"),
    ChannelTruth("local_partner", 110, 0.3, 180, 1.0, 35, 5, 0.6, True, "chamber", "partner"),
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
    ProductTruth("SVC-BASIC", "Basic service", "service", 89.0, 45.0, 5.0, -1.8),
    ProductTruth("SVC-PREMIUM", "Premium service", "service", 179.0, 90.0, 2.0, -1.2),
    ProductTruth("SVC-DELUXE", "Deluxe package", "service", 349.0, 175.0, 0.8, -0.9),
    ProductTruth("ADD-EXTRA", "Add-on extra", "add-on", 29.0, 9.0, 3.0, -2.5),
    ProductTruth("ADD-CARE", "Care plan", "add-on", 49.0, 14.0, 1.5, -1.5),
    ProductTruth("GIFT-CARD", "Gift card", "gift", 100.0, 100.0, 0.7, -0.5),
)


@dataclass(frozen=True)
class SimConfig:
    """A business to simulate. The default is a 12-location service franchise gaining
    20k contacts over 12 months; docs/simulator.md lists what each default produces.

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
    # Channel spends are quoted for this many new contacts a week; the booked spend is
    # multiplied by (contacts / weeks) / reference_contacts_per_week, so a business of any
    # size has the same economics.
    reference_contacts_per_week: float = 20_000 / 52
    bgnbd_r: float = 0.6
    bgnbd_alpha: float = 4.0
    bgnbd_a: float = 0.8
    bgnbd_b: float = 2.5
    # Each customer's chance of each of two extra lines per order, ~ Beta(a, b): some
    # customers buy bigger baskets than others (so mean order values differ by customer).
    basket_a: float = 1.5
    basket_b: float = 3.5
    lead_intercept: float = -1.7
    mean_extra_touches: float = 1.2
    pages_per_touch: float = 1.6
    # Leads (pacer/simulate/leads.py): sent within a day after the last visit, at an hour
    # of the location's day (``local_time``) in proportion to lead_hour_weights, on a form with
    # lead_form_shares; some give a phone number or a postal code.
    lead_hour_weights: tuple[float, ...] = (
        0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.3, 1.7, 1.9, 2.0,
        2.1, 2.0, 1.9, 1.8, 1.7, 1.7, 1.8, 1.9, 1.7, 1.3, 0.8, 0.4,
    )  # fmt: skip
    lead_form_shares: tuple[float, float, float] = (0.5, 0.3, 0.2)  # quote, visit, contact
    lead_form_effects: tuple[float, float, float] = (1.0, 1.3, 0.6)
    lead_phone_share: float = 0.55
    lead_phone_effect: float = 1.3
    lead_postal_code_share: float = 0.4
    # Conversion decays with the first response's delay t (minutes): p0·exp(−t/tau) +
    # floor, from p(0) and the published ratios (first hour vs the second; vs a day).
    lead_convert_at_zero: float = 0.68
    lead_ratio_next_hour: float = 7.0
    lead_ratio_day: float = 60.0
    # Staff answer on shift (Mon–Sat from shift_open_hour; Sunday at every third
    # location) after a log-normal number of working minutes (median, sigma); some leads
    # are never answered. The locations numbered in ``weak_locations`` (1 = LOC01; numbers
    # above ``locations`` name none) answer in hours and miss more.
    # local_time: each location keeps its city's clock (pacer.simulate.places: the hour
    # of day of its leads and its shifts are read there); off, every location's is UTC.
    local_time: bool = False
    shift_open_hour: int = 8
    shift_close_hour: int = 20
    saturday_close_hour: int = 17
    response_minutes_median: float = 6.0
    weak_response_minutes_median: float = 120.0
    response_sigma: float = 0.9
    never_answer_share: float = 0.02
    weak_never_answer_share: float = 0.25
    # Locations: size shares ~ Dirichlet(location_concentration).
    location_concentration: float = 8.0
    weak_locations: tuple[int, ...] = (4, 10)
    # Service quality: at the locations numbered in ``poor_service_locations`` a share
    # ``poor_service_dropout`` of customers never buy again after their first order, the
    # others stop after each purchase with chance p + (1 − p) × poor_service_dropout (p:
    # their BG/NBD dropout), and NPS answers lean to detractors
    # (pacer.simulate.experience). Empty by default: the business is as before.
    poor_service_locations: tuple[int, ...] = ()
    poor_service_dropout: float = 0.5
    # Yearly season: new contacts (and the spend planned for them) follow
    # 1 + season_amplitude · cos(2π (day of year − season_peak_day) / 365.25) (spend with
    # spend_season_share of that amplitude). Weekly: first visits fall on Monday … Sunday
    # in proportion to weekday_weights.
    season_amplitude: float = 0.3
    season_peak_day: int = 135  # mid-May
    spend_season_share: float = 0.5
    weekday_weights: tuple[float, ...] = (1.25, 1.15, 1.05, 1.0, 0.9, 0.7, 0.95)
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

    @property
    def spend_scale(self) -> float:
        """Booked dollars per quoted dollar of channel spend at this business's size."""
        return self.contacts / self.weeks / self.reference_contacts_per_week
