from __future__ import annotations

import getpass
import secrets
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shuniu.accounts.models import Role
from shuniu.accounts.services import user_create
from shuniu.core.actors import cli_actor
from shuniu.core.cli import domain_errors_as_command_errors
from shuniu.core.errors import PermissionDenied, ValidationError


class Command(BaseCommand):
    help = "Users: create one with a role (officer with a jurisdiction, agency staff, admin…)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = sub.add_parser("create", help="create USERNAME")
        create.add_argument("username")
        create.add_argument("--email", default="")
        create.add_argument("--role", choices=Role.values)
        create.add_argument("--division", help="jurisdiction of an officer (GB/T 2260 code)")
        create.add_argument(
            "--organization",
            type=int,
            help="organization id of agency staff, or an evaluator's evaluation institution",
        )
        create.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from standard input (otherwise prompt, or generate one "
            "when there is no terminal)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        generated = False
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        elif sys.stdin.isatty():
            password = getpass.getpass(_("Password: "))
            if password != getpass.getpass(_("Password (again): ")):
                raise CommandError(_("The passwords differ."))
        else:
            password, generated = secrets.token_urlsafe(12), True
        try:
            user = user_create(
                actor=cli_actor("user create"),
                username=options["username"],
                password=password,
                email=options["email"],
                role=options["role"],
                division_code=options["division"],
                organization_id=options["organization"],
            )
        except (ValidationError, PermissionDenied) as exc:
            raise domain_errors_as_command_errors(exc) from exc
        sys.stderr.write(_("User %(name)s created.\n") % {"name": user.username})
        if generated:
            self.stdout.write(password)
