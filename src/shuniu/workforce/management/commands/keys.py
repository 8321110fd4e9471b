"""``shuniu keys generate | status | rotate``: the key that protects ID numbers."""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shuniu.core.actors import cli_actor
from shuniu.core.cli import domain_errors_as_command_errors, dumps
from shuniu.core.errors import PermissionDenied, Undecryptable, ValidationError
from shuniu.core.progress import progress_bar
from shuniu.workforce import identity
from shuniu.workforce.keys import DEFAULT_BATCH, person_key_counts, person_keys_rotate


class Command(BaseCommand):
    help = (
        "The key protecting ID numbers: generate a new one, show how many numbers each key "
        "holds, rotate every number to the current key (docs/keys.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sub.add_parser("generate", help="print a new random key for SHUNIU_DATA_KEY")
        status = sub.add_parser("status", help="people's ID numbers per key id")
        status.add_argument("--format", choices=["table", "json"], default="table")
        rotate = sub.add_parser(
            "rotate",
            help=(
                "re-encrypt and re-hash every ID number not on SHUNIU_DATA_KEY; resumable: "
                "rows already on it are skipped"
            ),
        )
        rotate.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH,
            help=f"rows per committed batch (default {DEFAULT_BATCH})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "generate":
            key = identity.generate_data_key()
            self.stdout.write(key)
            sys.stderr.write(
                _(
                    "Key id %(kid)s. Set it as SHUNIU_DATA_KEY and keep a copy apart from "
                    "the database backups (docs/keys.md).\n"
                )
                % {"kid": identity.data_key_id(key)}
            )
        elif action == "status":
            self._status(options["format"])
        elif action == "rotate":
            self._rotate(options["batch_size"])

    def _status(self, fmt: str) -> None:
        counts = person_key_counts()
        if fmt == "json":
            self.stdout.write(
                dumps(
                    {
                        "current": identity.current_kid(),
                        "keys": [{"kid": c.kid, "rows": c.rows, "state": c.state} for c in counts],
                    }
                )
            )
            return
        states = {
            "current": _("current key"),
            "previous": _("previous key: rotate"),
            "legacy": _("first scheme (v1): rotate"),
            "unknown": _("unknown key: not configured"),
        }
        self.stdout.write(_("current key id: %(kid)s") % {"kid": identity.current_kid()})
        for c in counts:
            self.stdout.write(f"{c.kid}\t{c.rows}\t{states[c.state]}")

    def _rotate(self, batch_size: int) -> None:
        actor = cli_actor("keys rotate")
        done = [0]
        # `kill` stops it like Ctrl-C: the open batch rolls back, the line below says so.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            with progress_bar(_("Rotating ID numbers")) as update:

                def step(rotated: int, total: int) -> None:
                    done[0] = rotated
                    update(rotated, total)

                result = person_keys_rotate(actor=actor, batch_size=batch_size, progress=step)
        except KeyboardInterrupt:
            raise CommandError(
                _(
                    "Interrupted after %(n)s rows (all committed); run shuniu keys rotate "
                    "again to resume."
                )
                % {"n": done[0]},
                returncode=130,
            ) from None
        except Undecryptable as exc:
            raise CommandError(
                _(
                    "person %(id)s: the stored ID number cannot be opened with the configured "
                    "keys (it names key %(kid)s). Add that key to SHUNIU_DATA_KEYS_PREVIOUS "
                    "(docs/keys.md) and run the rotation again; nothing of the batch holding "
                    "this row was written."
                )
                % {"id": exc.pk, "kid": exc.kid}
            ) from None
        except (PermissionDenied, ValidationError) as exc:
            raise domain_errors_as_command_errors(exc) from exc
        sys.stderr.write(
            _("%(n)s ID numbers moved to key %(kid)s in %(batches)s batches.\n")
            % {"n": result.rotated, "kid": result.kid, "batches": result.batches}
        )


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
