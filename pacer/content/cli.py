"""``pacer partner-logins``: logins of partners deactivated before partner suspension
existed that still get in through another role; ``--apply`` suspends them
(``pacer.content.partner_logins``)."""

import argparse

from pacer.core.commands import fail, workspace_named


def partner_logins(args: argparse.Namespace) -> int:
    from pacer.content.partner_logins import suspend, unsuspended
    from pacer.core.errors import ValidationFailed

    found = unsuspended(workspace_named(args.workspace))
    if not found:
        print("every login of a deactivated partner is suspended")
        return 0
    refused = False
    for entry in found:
        held = ", ".join(f"{user.get_username()} ({role})" for user, role in entry.logins)
        print(f"{entry.partner.name}, inactive since {entry.inactive_since}: {held}")
        if not args.apply:
            continue
        try:
            names = suspend(entry, actor=args.actor)
        except ValidationFailed as error:
            refused = True
            fail(ValidationFailed({entry.partner.name: next(iter(error.errors.values()))}))
            continue
        print(f"  suspended: {', '.join(names)} (partner role, API tokens revoked)")
    if not args.apply:
        print("nothing changed: run again with --apply to suspend them")
    return 2 if refused else 0


def register(cli) -> None:
    p = cli.command(
        "partner-logins",
        partner_logins,
        help="list the logins of deactivated partners that still get in through another "
        "role (deactivated before partner suspension existed); --apply gives them the "
        "partner role back and revokes their API tokens, as deactivating does now",
        permission="members.manage",
    )
    p.add_argument("--workspace", default="demo")
    p.add_argument("--apply", action="store_true", help="suspend them (audited)")
