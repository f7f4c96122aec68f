"""Every call whose behaviour differs between Windows, macOS and Linux, in one place.

The rest of leadseg calls these functions and never an OS-specific API directly
(``tests/test_portability.py`` fails when a module does). Each function chooses by what the
running Python *has* (``hasattr(os, "fdatasync")``, an importable ``fcntl``), and where the
difference is one of meaning rather than of API -- Windows' permissions live in ACLs, not in
mode bits -- by ``NAME``, which is read at call time (the platform suite sets it when it
simulates Windows or macOS on Linux).

What each OS gives, and what is weaker where (the README's "Windows and macOS" says the same):
- Locks: ``flock`` on Linux and macOS; ``msvcrt.locking`` of one byte far past the holder's
  text on Windows (a Windows lock is mandatory: locking the text would hide it).
- Durability: ``fdatasync`` where it exists, ``F_FULLFSYNC`` on macOS (its ``fsync`` leaves
  the data in the drive's cache), ``fsync`` elsewhere.
- Modes: 0600 and ``--file-mode`` are applied on Linux and macOS; on Windows a file's access
  comes from its folder's ACL and ``chmod`` would only set the read-only flag (which then
  stops the next run from replacing the file), so no mode is applied or recorded there.
- Trust of a cache directory: owner and mode bits on Linux and macOS; Windows reports every
  directory as 0777 and no owner, so the check is off there (``%LOCALAPPDATA%`` is private to
  the user by its ACL).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from pathlib import Path
from typing import Any


def _detect() -> str:
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"  # and the other POSIX systems, which behave as Linux does here


NAME = _detect()

# Flags for every file leadseg creates: binary (Windows' C runtime opens in text mode
# otherwise and writes CRLF for LF), never through a symbolic link where the OS can say so.
_BINARY = getattr(os, "O_BINARY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def windows() -> bool:
    return NAME == "windows"


# -- files ---------------------------------------------------------------------------------


def create_new(path: Path | str, mode: int = 0o600) -> int:
    """A new file opened for writing; never an existing file, never through a link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY
    return os.open(path, flags, mode)


def open_lock_file(path: Path | str) -> int:
    """The lock file, created if missing, opened for reading and writing."""
    return os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _BINARY, 0o600)


def read_start(fd: int, size: int) -> bytes:
    """The first ``size`` bytes of an open file (ordinary seek and read: no ``pread``)."""
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, size)


def rewrite(fd: int, data: bytes) -> None:
    """Replace an open file's content with ``data`` (no ``pwrite``)."""
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data)


def sync_data(fd: int) -> None:
    """Hand written data to the disk now and then while writing (cheap where it can be)."""
    if hasattr(os, "fdatasync"):
        os.fdatasync(fd)
    else:
        os.fsync(fd)


def sync_file(fd: int) -> None:
    """Make a finished file durable before it is published."""
    if NAME == "macos":
        with contextlib.suppress(ImportError, AttributeError, OSError):
            import fcntl

            fcntl.fcntl(fd, fcntl.F_FULLFSYNC)  # type: ignore[attr-defined]
            return
    os.fsync(fd)


def modes_apply() -> bool:
    """Whether permission bits mean anything here (not on Windows)."""
    return NAME != "windows"


def set_mode(path: Path, mode: int, fd: int | None = None) -> None:
    """Give a file (open as ``fd``, when given) ``mode``; callers skip this where
    ``modes_apply()`` is false. ``fchmod`` came to Windows only in Python 3.13."""
    if fd is not None and hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:
        os.chmod(path, mode)


def second_name(path: Path, alias: Path) -> None:
    """``alias`` made a name of the file ``path``: a symbolic link where the OS allows one
    (Windows needs a privilege), else a hard link, else a copy."""
    import shutil

    try:
        alias.symlink_to(path.resolve())
        return
    except (OSError, NotImplementedError):
        pass
    try:
        os.link(path, alias)
    except OSError:
        shutil.copyfile(path, alias)


def directory_writable(path: Path) -> bool:
    """Whether files can be created in ``path``. Windows' ``os.access`` says yes for every
    directory, so there a file is created and removed to find out."""
    if not windows():
        return os.access(path, os.W_OK | os.X_OK)
    import secrets

    probe = path / f".probe.leadseg-tmp-{secrets.token_hex(6)}"  # swept if left behind
    try:
        os.close(create_new(probe))
    except OSError:
        return False
    with contextlib.suppress(OSError):
        os.unlink(probe)
    return True


def held_open(exc: OSError) -> bool:
    """Whether a failed replace or delete means another program holds the file open
    (Windows: Excel keeps an open workbook or CSV locked)."""
    return windows() and isinstance(exc, PermissionError)


# -- locks ---------------------------------------------------------------------------------

# Where the Windows lock byte lies: past any text the holder writes at the start.
_LOCK_BYTE = 1 << 30


def try_lock(fd: int) -> bool:
    """Take the exclusive lock of an open file without waiting; False when another process
    holds it. Closing the file releases it."""
    try:
        import fcntl
    except ImportError:
        fcntl = None  # type: ignore[assignment]
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    import msvcrt

    os.lseek(fd, _LOCK_BYTE, os.SEEK_SET)
    try:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EDEADLK):  # another process holds it
            return False
        raise  # no locks on this file system
    finally:
        os.lseek(fd, 0, os.SEEK_SET)
    return True


def unlock(fd: int) -> None:
    """Release the lock before the file is closed: Windows frees a lock left at close only
    "depending on available system resources", so a next run could find it held."""
    try:
        import fcntl
    except ImportError:
        import msvcrt

        os.lseek(fd, _LOCK_BYTE, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)


# -- ownership -----------------------------------------------------------------------------


def untrusted_reason(info: os.stat_result) -> str | None:
    """Why a directory could be written by someone else (None: it is private to the user,
    or, on Windows, the OS does not say through ``stat``)."""
    import stat

    if windows() or not hasattr(os, "getuid"):
        return None
    if info.st_uid != os.getuid():
        return "owned by another user"
    if info.st_mode & 0o022:
        return f"writable by group or others (mode {stat.S_IMODE(info.st_mode):04o})"
    return None


def change_stamp(info: os.stat_result) -> int | None:
    """A time that every write to the file moves and no user-space call can set back: the
    change time on Linux and macOS. Windows has none (its ``st_ctime`` is the creation
    time), so there only the size and the modification time tell a change."""
    return None if windows() else info.st_ctime_ns


def cache_home() -> Path | None:
    """The user's cache folder by the OS's convention: ``$XDG_CACHE_HOME/leadseg`` where
    that is set (Linux, macOS), else ``~/.cache/leadseg``, ``~/Library/Caches/leadseg``,
    ``%LOCALAPPDATA%\\leadseg\\Cache``; None without a usable home."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and not windows():  # platformdirs honours it on Linux and macOS: no home needed
        return Path(xdg) / "leadseg"
    home = os.path.expanduser("~")
    if home.startswith("~") or not os.path.isdir(home):
        return None  # never a "~" folder in the working directory
    import platformdirs

    return Path(platformdirs.user_cache_dir("leadseg", appauthor=False))


# -- the process ---------------------------------------------------------------------------


def bytes_read() -> int | None:
    """Bytes this process has read so far, by any thread: Linux's ``/proc/self/io``, else
    ``psutil`` where the OS tells it (Windows); None where nothing does (macOS)."""
    try:
        with open("/proc/self/io", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("rchar:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    try:
        import psutil  # type: ignore[import-untyped]

        return int(psutil.Process().io_counters().read_bytes)
    except Exception:  # not installed, or not on this OS (macOS has no I/O counters)
        return None


def termination_signals() -> list[Any]:
    """The signals that ask leadseg to stop cleanly: SIGTERM, and Ctrl+Break on Windows."""
    import signal

    found = [signal.SIGTERM]
    if hasattr(signal, "SIGBREAK"):
        found.append(signal.SIGBREAK)
    return found


def broken_pipe(exc: BaseException) -> bool:
    """Whether writing to stdout failed because the reader went away (Windows may say
    EINVAL where POSIX says EPIPE)."""
    if isinstance(exc, BrokenPipeError):
        return True
    if not windows() or not isinstance(exc, OSError):
        return False
    return exc.errno == errno.EINVAL and exc.filename is None and exc.filename2 is None


def silence_stdout() -> None:
    """Point stdout at the null device, so that the exit's flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY | _BINARY)
        os.dup2(devnull, sys.stdout.fileno())


# -- the console ---------------------------------------------------------------------------

_UNICODE = ("utf-8", "utf-16", "utf-32", "utf-8-sig")


def speaks_unicode(stream: Any) -> bool:
    """Whether ``stream`` can carry every character (a UTF encoding)."""
    import codecs

    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "ascii").name in _UNICODE
    except LookupError:
        return False


def prepare_console() -> None:
    """Let stdout and stderr carry any name. A file or pipe takes any bytes: where Python
    chose a legacy encoding for it (Windows: the ANSI code page, cp1252), it is written in
    UTF-8, as on Linux and macOS -- the same bytes, and valid JSON and CSV. A console whose
    code page cannot show a character (a legacy Windows console) shows it escaped
    (``\\u0141``) instead of ending the run. On Windows the console is also asked to read
    the escape codes of the progress bar (Windows 10 leaves that off in old windows)."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None or speaks_unicode(stream):
            continue
        with contextlib.suppress(AttributeError, ValueError, OSError):
            if stream.isatty():
                stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
            else:
                stream.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    if windows():
        _console_escape_codes()


def _console_escape_codes() -> None:
    """Turn on virtual-terminal processing for stderr's console (where there is one)."""
    with contextlib.suppress(Exception):
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.GetStdHandle(-12)  # STD_ERROR_HANDLE
        mode = ctypes.c_uint32()
        if kernel32.GetConsoleMode(handle, ctypes.byref(mode)):
            kernel32.SetConsoleMode(handle, mode.value | 0x0004)  # ENABLE_VIRTUAL_TERMINAL


def can_show(stream: Any, text: str) -> bool:
    """Whether ``stream`` can show ``text`` as it is (block characters of a chart)."""
    try:
        text.encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


# -- hints: commands for the user's shell ----------------------------------------------------

_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_\\")


def quote(text: str) -> str:
    """``text`` as one argument in the user's shell: POSIX quoting on Linux and macOS;
    double quotes on Windows, which PowerShell and cmd both read."""
    if not windows():
        import shlex

        return shlex.quote(text)
    if text and set(text) <= _SAFE - {"%"}:
        return text
    return '"' + text.replace('"', '""') + '"'


def make_directory_command(path: Path | str) -> str:
    return f"mkdir {quote(str(path))}" if windows() else f"mkdir -p {quote(str(path))}"
