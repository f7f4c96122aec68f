"""The one place where errors become messages on stderr and exit codes."""

from __future__ import annotations

import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from leadseg import system
from leadseg.errors import LeadsegError
from leadseg.exit_codes import ExitCode

T = TypeVar("T")


class Terminated(BaseException):
    """SIGTERM (or Ctrl+Break on Windows), raised like KeyboardInterrupt so that cleanup
    code runs."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


def print_error(error: LeadsegError) -> None:
    from leadseg.printable import printable

    for problem in error.problems:
        where = f"{problem.location}: " if problem.location.file else ""
        print(printable(f"leadseg: error: {where}{problem.message}"), file=sys.stderr)
        if problem.hint:
            print(printable(f"  hint: {problem.hint}"), file=sys.stderr)


@contextmanager
def _quiet_broken_pipe() -> Iterator[None]:
    try:
        yield
        sys.stdout.flush()
    except OSError as exc:
        if not system.broken_pipe(exc):
            raise
        # `leadseg count ... | head -1`: the reader left; end quietly like other Unix tools.
        system.silence_stdout()
        raise SystemExit(ExitCode.OK) from None


def run(action: Callable[[], T], *, debug: bool = False) -> T:
    """Run a command body; map leadseg errors, interrupts and broken pipes to exit codes."""
    previous = {s: signal.signal(s, _on_sigterm) for s in system.termination_signals()}
    try:
        with _quiet_broken_pipe():
            return action()
    except LeadsegError as error:
        if debug:
            traceback.print_exc()
        print_error(error)
        raise SystemExit(error.exit_code) from None
    except KeyboardInterrupt:
        print("leadseg: interrupted", file=sys.stderr)
        raise SystemExit(ExitCode.INTERRUPTED) from None
    except Terminated:
        print("leadseg: terminated", file=sys.stderr)
        raise SystemExit(ExitCode.TERMINATED) from None
    except OSError as exc:
        # Writing the results failed (a full disk, /dev/full): an I/O error, not a bug.
        if debug:
            traceback.print_exc()
        print(f"leadseg: error: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
        raise SystemExit(ExitCode.IO_ERROR) from None
    except Exception as exc:
        if debug:
            traceback.print_exc()
        name = type(exc).__name__
        print(f"leadseg: internal error: {name} (run with --debug for details)", file=sys.stderr)
        raise SystemExit(ExitCode.INTERNAL) from None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
