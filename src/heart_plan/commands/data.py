"""``heart-plan data fetch`` and ``heart-plan data check``: the dataset catalog."""

from __future__ import annotations

from pathlib import Path

import click

from heart_plan.commands._common import load_command_scenario, mirror_option, scenario_option


@click.group(
    "data", epilog="\b\nExamples:\n  heart-plan data check\n  heart-plan data fetch --dest data/\n"
)
def data() -> None:
    """Fetch and check the datasets named in the manifest."""


@data.command(
    "fetch",
    epilog="\b\nExamples:\n  heart-plan data fetch\n  heart-plan data fetch --mirror /path/to/mirror --dest data/\n",
)
@mirror_option
@scenario_option
@click.option(
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Local data directory (default: the scenario's [data] local_dir, i.e. data/).",
)
def fetch_command(mirror: Path | None, scenario_path: Path | None, dest: Path | None) -> None:
    """Copy every dataset from the mirror (or download it) into the local data directory,
    verifying pinned checksums and recording live downloads in datasets.lock.json.
    """
    from heart_plan import catalog
    from heart_plan.errors import DataError
    from heart_plan.paths import local_data_dir, resolve_mirror

    scenario = load_command_scenario(scenario_path)
    try:
        mirror_dir: Path | None = resolve_mirror(mirror, scenario.data.mirror)
    except DataError:
        if mirror is not None:
            raise
        mirror_dir = None  # no mirror: download from the official sources
    local = dest or local_data_dir(scenario.data.local_dir)
    results = catalog.fetch(local_dir=local, mirror=mirror_dir)
    for r in results:
        click.echo(f"{r.id:<32} {r.action:<10} {r.sha256[:16]:<16} {r.path}")
    click.echo(f"{len(results)} datasets in {local}")


@data.command(
    "check",
    epilog="\b\nExamples:\n  heart-plan data check\n  heart-plan data check --scenario my.toml\n",
)
@mirror_option
@scenario_option
def check_command(mirror: Path | None, scenario_path: Path | None) -> None:
    """Validate every dataset (checksum, schema) and print a table; exit 1 on a problem."""
    from heart_plan import catalog
    from heart_plan.errors import DataError
    from heart_plan.paths import local_data_dir, resolve_mirror

    scenario = load_command_scenario(scenario_path)
    mirror_dir = resolve_mirror(mirror, scenario.data.mirror)
    rows = catalog.check(mirror=mirror_dir, local_dir=local_data_dir(scenario.data.local_dir))
    click.echo(f"{'dataset':<32} {'status':<16} sha256")
    for r in rows:
        click.echo(f"{r.id:<32} {r.status:<16} {r.sha256 or '-'}")
        if r.detail and r.status != "OK":
            click.echo(f"    {r.detail}")
    if not catalog.check_ok(rows):
        bad = next(r for r in rows if r.status not in ("OK", "OPTIONAL-MISSING"))
        raise DataError(
            f"{bad.path}: dataset {bad.id!r} is {bad.status}; {bad.detail or 'fetch it again'}"
        )
    click.echo(f"all {len(rows)} datasets OK (mirror {mirror_dir})")
