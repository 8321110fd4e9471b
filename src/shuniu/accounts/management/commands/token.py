from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shuniu.accounts.models import ApiToken
from shuniu.accounts.services import token_create, token_revoke
from shuniu.core.actors import cli_actor
from shuniu.core.cli import domain_errors_as_command_errors, dumps
from shuniu.core.errors import NotFound, PermissionDenied


class Command(BaseCommand):
    help = "API bearer tokens: create (printed once), list, revoke."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = sub.add_parser("create", help="issue a token for USERNAME and print it")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")
        listing = sub.add_parser("list", help="tokens of USERNAME (prefixes only)")
        listing.add_argument("username")
        listing.add_argument("--format", choices=["table", "json"], default="table")
        revoke = sub.add_parser("revoke", help="revoke the token starting with PREFIX")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            try:
                token, key = token_create(
                    actor=cli_actor("token create"),
                    username=options["username"],
                    name=options["name"],
                )
            except (NotFound, PermissionDenied) as exc:
                raise domain_errors_as_command_errors(exc) from exc
            self.stdout.write(key)
            sys.stderr.write(
                _("Token %(prefix)s… created for %(user)s; it is shown only once.\n")
                % {"prefix": token.prefix, "user": options["username"]}
            )
        elif action == "list":
            tokens = ApiToken.objects.filter(user__username=options["username"]).order_by(
                "created_at"
            )
            rows = [
                {
                    "prefix": t.prefix,
                    "name": t.name,
                    "created_at": t.created_at.isoformat(),
                    "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                    "revoked": t.revoked_at is not None,
                }
                for t in tokens
            ]
            if options["format"] == "json":
                self.stdout.write(dumps(rows))
            else:
                for row in rows:
                    self.stdout.write(
                        f"{row['prefix']}…\t{row['name']}\t{row['created_at']}\t"
                        + (_("revoked") if row["revoked"] else _("active"))
                    )
        elif action == "revoke":
            matches = list(
                ApiToken.objects.filter(
                    prefix__startswith=options["prefix"], revoked_at__isnull=True
                )
            )
            if len(matches) != 1:
                raise CommandError(
                    _("%(n)s active tokens start with %(prefix)s; give a longer prefix.")
                    % {"n": len(matches), "prefix": options["prefix"]}
                )
            token_revoke(actor=cli_actor("token revoke"), token=matches[0])
            sys.stderr.write(_("Token %(prefix)s… revoked.\n") % {"prefix": matches[0].prefix})
