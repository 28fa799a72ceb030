"""``flask search reindex``: rebuild the search index from the data, after a restore from backup,
a bulk load that bypassed the app, or an upgrade that added the index to a database in use."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from teams_app.search import index

search_cli = AppGroup("search", help="The search index.")


@search_cli.command("reindex")
def reindex() -> None:
    """Rebuild every search document in one transaction (searches keep working meanwhile)."""
    started = time.monotonic()
    total = index.count_sources()
    with click.progressbar(length=total, label="Indexing", show_pos=True) as bar:
        written = index.reindex(progress=bar.update)
    click.echo(
        f"Indexed {written:,} documents from {total:,} rows in {time.monotonic() - started:.1f} s."
    )
