"""Recording changes made through actions."""

from typing import Any

from django.forms.models import model_to_dict

from pacer.core.models import AuditEntry, Workspace


def snapshot(instance: Any, fields: list[str] | None = None) -> dict:
    """A JSON-safe dict of a model instance's fields, for an audit entry's before/after."""
    data = model_to_dict(instance, fields=fields)
    return {key: _json_safe(value) for key, value in data.items()}


def _json_safe(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if hasattr(value, "pk"):
        return value.pk
    return str(value)


def record(
    workspace: Workspace,
    action: str,
    obj: Any,
    *,
    actor: Any = None,
    actor_label: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append one audit entry; call it inside the action's transaction."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        workspace=workspace,
        actor=user,
        actor_label=actor_label or (user.get_username() if user else "system"),
        action=action,
        object_type=type(obj).__name__,
        object_id=str(obj.pk),
        before=before,
        after=after,
    )


def save_changes(instance: Any, values: dict, fields: list[str], action: str, *, actor=None):
    """Set ``fields`` of ``instance`` from ``values``, save only those, and record one
    ``action`` audit entry with their values before and after; call it inside the
    action's transaction, with ``fields`` the ones that really change."""
    before = snapshot(instance, fields)
    for name in fields:
        setattr(instance, name, values[name])
    instance.save(update_fields=fields)
    after = snapshot(instance, fields)
    record(instance.workspace, action, instance, actor=actor, before=before, after=after)
    return instance
