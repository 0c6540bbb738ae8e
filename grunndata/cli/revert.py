"""``grunndata loads revert LOAD_ID``: take a load out again (``grunndata.loaders.revert``)."""

from __future__ import annotations

from typing import Annotated

import typer

from grunndata.cli.base import err, out
from grunndata.cli.loads import _migrated, loads_app


@loads_app.command(
    epilog="Examples:  grunndata loads revert 42 --dry-run   |   "
    "grunndata loads revert 42 --cascade"
)
def revert(
    load_id: Annotated[int, typer.Argument(help="The load's id in `grunndata loads`.")],
    cascade: Annotated[
        bool,
        typer.Option(help="Revert later loads that changed the same entities too, newest first."),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be reverted; change nothing.")
    ] = False,
) -> None:
    """Revert a load: what it wrote stops being current, what it superseded (or ended) is
    current again, as if it had never run; nothing is deleted.

    One transaction. Refused, naming them, when later loads changed the same entities
    (unless --cascade). A followed batch's source cursor is put back to where the batch
    began, so the next `grunndata follow` applies it again. The revert is a load of its
    own in `grunndata loads`.
    """
    from grunndata.loaders.revert import revert as revert_load
    from grunndata.registers import REGISTERS

    database = _migrated()
    if database is None:
        raise typer.Exit(2)
    revertibles = {r.name: r.revertible for r in REGISTERS if r.revertible is not None}

    def listed(later: list[tuple[int, str]]) -> None:
        err.print("Later loads changed the same entities; reverting them first, newest first:")
        for load, source in later:
            err.print(f"  load {load}: {source}")

    outcome = revert_load(
        database, load_id, revertibles, cascade=cascade, dry_run=dry_run, listed=listed
    )
    for done in outcome.reverted:
        verb = "would revert" if dry_run else f"reverted (load {done.revert_id})"
        line = (
            f"load {done.load_id} {verb}: {done.taken_out} versions taken out, "
            f"{done.current_again} current again"
        )
        if done.cursor:
            line += f"; cursor of {done.cursor}"
        out.print(line, highlight=False, soft_wrap=True)
    if dry_run:
        out.print("Dry run: nothing was changed.")
