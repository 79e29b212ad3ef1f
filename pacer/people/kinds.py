"""The people domain's vocabularies, importable without loading models: the kinds of
identifier a person is known by, and the lifecycle stages."""

from django.db import models


class LifecycleStage(models.TextChoices):
    SUBSCRIBER = "subscriber", "Subscriber"
    LEAD = "lead", "Lead"
    MQL = "mql", "Marketing qualified lead"
    SQL = "sql", "Sales qualified lead"
    OPPORTUNITY = "opportunity", "Opportunity"
    CUSTOMER = "customer", "Customer"
    EVANGELIST = "evangelist", "Evangelist"
    OTHER = "other", "Other"


class IdentityKind(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    USER_ID = "user_id", "User id"
    ANONYMOUS_ID = "anonymous_id", "Anonymous id"
