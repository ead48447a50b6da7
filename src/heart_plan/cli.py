"""The ``heart-plan`` command line: a click group whose commands live in
``heart_plan.commands``.  Errors are turned into one-line messages here, in one place
(``HeartPlanGroup.invoke``, so ``main`` and click's test runner behave the same):

* ``HeartPlanError`` -> its ``exit_code``: 2 for option, scenario and plan.json errors,
  1 for calls, mirror, graph, cache and solver failures;
* ``OSError`` (permission, not a directory, disk full, ...) -> exit 1, naming the path;
* click usage errors -> exit 2;
* anything else -> exit 1 with a one-line "internal error" message.

``heart-plan --debug <command>`` (or ``HEART_PLAN_DEBUG=1``) shows the traceback instead.
A SIGTERM is turned into an exception so staged outputs and temporary files are removed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import Any

import click

from heart_plan._version import __version__
from heart_plan.commands import register_all
from heart_plan.errors import HeartPlanError, os_error_message

DEBUG_ENV = "HEART_PLAN_DEBUG"


class Terminated(BaseException):
    """Raised from the SIGTERM handler so ``with`` blocks clean up before exit."""


class HeartPlanGroup(click.Group):
    """A click group that reports every error as one line with the right exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a user mistake becomes one line and its exit code."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:
            if _debug(ctx):
                raise
            code, message = describe_error(exc)
            click.echo(f"heart-plan: error: {message}", err=True)
            ctx.exit(code)
        except Terminated:
            click.echo("heart-plan: terminated; outputs left as before the run", err=True)
            ctx.exit(143)


def describe_error(exc: BaseException) -> tuple[int, str]:
    """(exit code, one-line message) for an exception."""
    if isinstance(exc, HeartPlanError):
        return exc.exit_code, _one_line(str(exc))
    if isinstance(exc, OSError):
        return 1, _one_line(os_error_message(exc))
    if isinstance(exc, MemoryError):
        return 1, "out of memory; close other programs or use a smaller scenario"
    return 1, _one_line(
        f"internal error {type(exc).__name__}: {exc}; rerun with --debug for the traceback "
        f"and report it"
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _debug(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return bool((root.obj or {}).get("debug")) or os.environ.get(DEBUG_ENV, "") not in ("", "0")


EXAMPLES = """\b
Examples:
  heart-plan run                                # the Durham default -> outputs/durham
  heart-plan init night.toml                    # a scenario to edit (extends the default)
  heart-plan run --scenario night.toml          # -> outputs/night
  heart-plan run --fte-budget 40 --hours 24/7 --set name=fte40_247
  heart-plan place --beats all --teams 4 --set response.standard_s=600
  heart-plan <command> --help                   # every command's options and examples
"""


@click.group(
    cls=HeartPlanGroup, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXAMPLES
)
@click.version_option(__version__, prog_name="heart-plan")
@click.option(
    "--debug", is_flag=True, help="Show tracebacks instead of one-line errors (developers)."
)
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Plan where, when and with how many teams Durham's HEART units operate."""
    ctx.obj = {"debug": debug}


register_all(cli)


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point with one-place error handling."""
    with contextlib.suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        rv = cli.main(args=argv, prog_name="heart-plan", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("heart-plan: aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError | click.BadParameter) else exc.exit_code)
    except Terminated:
        click.echo("heart-plan: terminated", err=True)
        sys.exit(143)
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
