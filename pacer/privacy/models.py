"""Suppressions of erased people and the log of privacy requests.

Neither holds an identifier in clear: both keep keyed hashes of normalised identifiers
(``pacer.privacy.identifiers.digest``), so the record that keeps an erased person out
cannot itself name them.
"""

from django.conf import settings
from django.db import models

from pacer.core.models import Workspace


class RequestKind(models.TextChoices):
    EXPORT = "export", "Export"
    ERASE = "erase", "Erasure"


class RequestStatus(models.TextChoices):
    DONE = "done", "Done"
    # the operational database is erased; the warehouse still has to be (retried by the
    # worker's privacy-finish loop until it is)
    WAREHOUSE_PENDING = "warehouse_pending", "Warehouse pending"


class PrivacyRequest(models.Model):
    """One export or erasure: who asked, when, about which identifiers (hashed) and what
    it found."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    kind = models.CharField(max_length=10, choices=RequestKind.choices)
    status = models.CharField(max_length=20, choices=RequestStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(max_length=150)
    digests = models.JSONField(default=list)  # the identifiers asked about, hashed
    counts = models.JSONField(default=dict)  # rows found (export) or removed (erasure)
    # contact ids whose warehouse rows are still to be erased (empty once done)
    pending_contact_ids = models.JSONField(default=list)
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-requested_at"])]
        ordering = ["-requested_at", "-id"]


class Suppression(models.Model):
    """An identifier of an erased person: events carrying it are dropped.

    ``key_id`` names the hashing key the digest was made with, so a changed key (which
    makes older digests unmatchable) shows up instead of silently letting people back in.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    kind = models.CharField(max_length=20)
    digest = models.CharField(max_length=64)
    key_id = models.CharField(max_length=16)
    request = models.ForeignKey(PrivacyRequest, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "digest"], name="suppression_digest")
        ]
