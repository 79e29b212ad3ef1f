"""The ``pacer`` command: its subcommands come from the domains (``pacer.core.commands``)."""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pacer.settings")
    import django

    django.setup()
    from pacer.core.commands import CommandError, authorise, build_parser, fail

    args = build_parser().parse_args(argv)
    try:
        if args.migrate:
            from django.core.management import call_command

            call_command("migrate", interactive=False, verbosity=0)
        authorise(args)
        return args.run(args)
    except CommandError as error:
        return fail(error)


if __name__ == "__main__":
    sys.exit(main())
