"""`flask` commands: demo data, the gazetteer, the route catalog, the world under the maps,
backup and restore, operators."""

import time
from pathlib import Path

import click
from flask import Flask

from milequest.extensions import db
from milequest.lib.photo_storage import storage
from milequest.services import demo
from milequest.services.atlas import catalog, places, world_atlas
from milequest.services.operations import backups, console_users
from workers.aggregation import reconcile_counters


def register(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(places_command)
    app.cli.add_command(catalog_command)
    app.cli.add_command(reconcile_command)
    app.cli.add_command(atlas_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(operator_group)


@click.command("demo")
def demo_command() -> None:
    """Load the demo data (idempotent)."""
    user, created = demo.load_demo_data()
    db.session.commit()
    state = "created" if created else "already there"
    click.echo(f"Demo data {state}. Log in as {user.email} / {demo.DEMO_PASSWORD}")


@click.command("places")
@click.option(
    "--min-population",
    type=click.Choice([str(n) for n in places.DATASETS]),
    default=str(places.DEFAULT_MIN_POPULATION),
    show_default=True,
    help="Which GeoNames data set: cities of at least this population (500 is ~200,000).",
)
@click.option("--force", is_flag=True, help="Reload even when the places are there.")
def places_command(min_population: str, force: bool) -> None:
    """Load GeoNames cities into the gazetteer (idempotent)."""
    started = time.monotonic()
    count, loaded = places.load_gazetteer(int(min_population), force=force)
    db.session.commit()
    if loaded:
        places.tidy_after_load()
    state = f"loaded in {time.monotonic() - started:.1f} s" if loaded else "already loaded"
    click.echo(f"Gazetteer: {count} places (population >= {min_population}) {state}.")


@click.command("catalog")
def catalog_command() -> None:
    """Load the built-in routes and build them (idempotent)."""
    results = catalog.load_catalog()
    db.session.commit()
    changed = sum(1 for _, was_changed in results if was_changed)
    click.echo(f"Route catalog: {len(results)} routes, {changed} built now.")


@click.command("reconcile")
def reconcile_command() -> None:
    """Recompute every counter from the raw activities and repair drift."""
    found = reconcile_counters()
    click.echo("Counters: " + ", ".join(f"{table} {n} fixed" for table, n in found.items()))


@click.command("atlas")
@click.option("--force", is_flag=True, help="Reload even when the map data is there.")
def atlas_command(force: bool) -> None:
    """Load Natural Earth land and country borders (npm world-atlas) for the maps."""
    started = time.monotonic()
    count, loaded = world_atlas.load_world(force=force)
    db.session.commit()
    state = f"loaded in {time.monotonic() - started:.1f} s" if loaded else "already loaded"
    click.echo(f"World map: {count} pieces of land and border {state}.")


@click.command("backup")
@click.argument("target", type=click.Path(path_type=Path))
def backup_command(target: Path) -> None:
    """Write the database and the photo store into TARGET, a new directory."""
    try:
        manifest = backups.write_backup(target, storage())
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    missing = manifest["photos_missing"]
    click.echo(
        f"Backup written to {target}: {sum(manifest['rows'].values())} rows, "
        f"{len(manifest['photos'])} photo files"
        + (f"; {len(missing)} photos deleted while it ran: {', '.join(missing)}" if missing else "")
    )


@click.command("restore")
@click.argument("source", type=click.Path(path_type=Path, exists=True, file_okay=False))
def restore_command(source: Path) -> None:
    """Bring a backup back into this installation, which must hold no walkers yet.

    Stop the web processes, workers and beat first: the restore replaces the whole schema,
    and is refused while anything else is connected to the database.
    """
    db.engine.dispose()  # pooled connections remember the types the restore replaces
    try:
        manifest = backups.restore_backup(source, storage(), db.engine.url)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored the backup of {manifest['created_at']} from {source}.")


@click.group("operator")
def operator_group() -> None:
    """Who may use the operator console at /ops (each change is in its audit log)."""


@operator_group.command("grant")
@click.argument("email")
def operator_grant(email: str) -> None:
    """Make the account with this address an operator."""
    _set_operator(email, granted=True)


@operator_group.command("revoke")
@click.argument("email")
def operator_revoke(email: str) -> None:
    """Take the console away from the account with this address."""
    _set_operator(email, granted=False)


def _set_operator(email: str, *, granted: bool) -> None:
    user = console_users.set_operator(email, granted)
    if user is None:
        raise click.ClickException(f"No account has the address {email}.")
    db.session.commit()
    click.echo(f"{user.email} {'is now' if granted else 'is no longer'} an operator.")
