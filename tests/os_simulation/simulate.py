"""Run leadseg's real CLI as if on Windows or macOS: ``python simulate.py PROFILE -- ARGS...``.

Before leadseg (or anything it imports) is loaded, this bootstrap takes out of Python what
the profile's operating system does not have, and gives it what that system adds, so that
code that only works on Linux fails here the way it would fail there. Profiles:

``windows-3.11``, ``windows-3.13`` (CPython on Windows, as the installers ship it)
  - ``os`` keeps only the public names it has on Windows: those of the ``nt`` module in
    typeshed's ``nt.pyi`` (typeshed's stubtest checks its stubs against CPython on Windows)
    plus the ones ``os.py`` defines in Python on every system. Gone: getuid, geteuid,
    getgid, getegid, getgroups, pread, pwrite, fdatasync, fchmod (3.11; 3.13 has it),
    fchown, chown, lchown, sync, getpgid, killpg, mkfifo, statvfs, sched_getaffinity,
    posix_fadvise, posix_fallocate, getloadavg, pipe2, uname, fork, wait, get_blocking and
    set_blocking (3.11; added in 3.12), O_NOFOLLOW, O_DIRECTORY, O_CLOEXEC, O_NONBLOCK,
    O_SYNC, O_DSYNC, ... (Windows has none of these flags), environb, getenvb, fwalk, ...
    Kept, as on Windows: link, symlink, chmod, fsync, ftruncate, truncate, replace, dup2,
    lseek, kill, waitpid, umask, get_terminal_size, ... ``os.supports_dir_fd`` is empty
    (a ``dir_fd`` argument raises NotImplementedError), ``supports_fd`` and
    ``supports_follow_symlinks`` hold only ``os.stat`` (3.13: and ``os.chmod``), and
    passing a file descriptor to a function that takes one only on Unix (all but stat,
    truncate and, in 3.13, chmod) raises TypeError.
  - ``O_BINARY``, ``O_TEXT``, ``O_NOINHERIT``, ``O_SEQUENTIAL``, ``O_RANDOM``,
    ``O_SHORT_LIVED``, ``O_TEMPORARY`` exist (with values of their own: Windows' values are
    Linux's O_CREAT, O_EXCL, ...), and ``os.open`` accepts them: O_TEMPORARY deletes the file
    at once (on Windows: when its last handle closes), the others change nothing here.
  - ``os.stat``/``lstat``/``fstat`` and ``DirEntry.stat()`` answer as Windows does:
    ``st_uid`` and ``st_gid`` 0, and the permission bits made from the read-only
    attribute only (here: the owner's write bit): 0o666 or 0o444, plus 0o111 for a
    directory or a .exe/.bat/.cmd/.com file; so a directory is always 0o777.
  - A file this process has open (through ``open``/``io.open``/``os.open``/pathlib) cannot be
    removed, renamed or replaced, nor replaced by a rename (PermissionError, as WinError 32
    reads in Python); ``os.rename`` onto an existing file raises FileExistsError.
  - Text files opened without ``encoding`` use cp1252 (the ANSI code page; UTF-8 mode is off
    by default before Python 3.15) and, opened for writing without ``newline``, write ``\\n``
    as ``\\r\\n`` (Python's text layer does that on Windows).
  - ``sys.stdout``/``sys.stderr`` write ``\\n`` as ``\\r\\n`` (the C runtime's text mode on
    fds 1 and 2) unless ``msvcrt.setmode(fd, os.O_BINARY)`` is called. Their encoding is the
    runner's business: it sets ``PYTHONIOENCODING=cp1252`` in the child's environment,
    because that is what Windows gives a redirected or piped stdout (the ANSI code page; only
    a real console gets UTF-8), strict on stdout and backslashreplace on stderr, and it must
    be decided before the interpreter creates its streams.
  - ``import fcntl, pwd, grp, resource, termios, tty, pty, syslog, crypt, readline,
    curses`` fail (ModuleNotFoundError); ``select`` has only ``select``.
  - ``signal`` has SIGINT, SIGTERM, SIGABRT, SIGFPE, SIGILL, SIGSEGV, SIGBREAK (21),
    CTRL_C_EVENT, CTRL_BREAK_EVENT and the functions Windows has (signal, getsignal,
    raise_signal, set_wakeup_fd, strsignal, valid_signals, default_int_handler); no SIGKILL,
    SIGHUP, SIGQUIT, SIGPIPE, SIGALRM, SIGUSR1/2, SIGCHLD, ..., pthread_sigmask, setitimer,
    alarm, pause, siginterrupt, sigwait, ... ``signal.signal`` refuses any other number.
  - ``msvcrt`` exists with ``locking``, ``setmode`` and LK_UNLCK, LK_LOCK, LK_NBLCK, LK_RLCK,
    LK_NBRLCK (0..4). ``locking(fd, mode, nbytes)`` locks ``nbytes`` from the fd's current
    position, exclusively; LK_NBLCK/LK_NBRLCK raise PermissionError (errno EACCES, as the
    C runtime sets it) when the range is locked, LK_LOCK/LK_RLCK try 10 times a second apart,
    then raise OSError(EDEADLOCK); unlocking a range that is not locked raises EACCES. It is
    built on the real fcntl's open-file-description locks (F_OFD_SETLK), not ``lockf``: like
    Windows' locks they belong to the handle (a second fd in the same process conflicts)
    and go away when it is closed; POSIX ``lockf`` locks belong to the process, and closing
    any fd of the file drops them all.
  - ``/proc``, ``/sys`` and ``/dev`` (but ``/dev/null``, which stands for ``nul``) do not
    exist for ``open``, ``io.open``, ``os.open``, ``os.stat``/``lstat``, ``os.listdir``,
    ``os.scandir``, ``os.access``, ``os.readlink`` and so pathlib and ``os.path``.
``macos``
  - ``os`` loses what macOS lacks (typeshed, checked on macOS): fdatasync,
    sched_getaffinity and the other sched_* but sched_yield, pipe2, posix_fallocate,
    posix_fadvise, memfd_create, getrandom, eventfd*, splice, copy_file_range, waitid,
    get/setres[ug]id, *xattr, pidfd_open, O_DIRECT, O_PATH, O_TMPFILE, O_NOATIME,
    O_LARGEFILE, O_RSYNC, MFD_*, RWF_*, GRND_*, EFD_*, ... (``sendfile`` stays).
  - ``fcntl`` loses its Linux-only names (F_OFD_*, F_GETLEASE/F_SETLEASE, F_SETPIPE_SZ,
    F_NOTIFY and DN_*, seals, LOCK_MAND, ...) and gains ``F_FULLFSYNC`` (51):
    ``fcntl.fcntl(fd, F_FULLFSYNC)`` syncs the file (here with fsync) and returns 0, as
    macOS does; other commands pass through.
  - ``signal`` loses SIGPOLL, SIGPWR, SIGRTMIN/MAX, SIGSTKFLT, SIGCLD, sigtimedwait,
    sigwaitinfo, pidfd_send_signal; ``select`` loses epoll. ``/proc`` and ``/sys`` do not exist.
``linux``
  Nothing changes: the reference run goes through the same bootstrap.

Then, and only then, leadseg is imported; ``leadseg.system.NAME`` (if that module exists) is
set to ``"windows"``, ``"macos"`` or ``"linux"``, and ``leadseg.cli.main()`` runs with ARGS.

What cannot be simulated (the test suite passing here proves nothing about these):
  - ``os.name`` stays ``"posix"``, ``sys.platform`` ``"linux"``, ``os.path`` is
    ``posixpath``, ``os.sep``/``os.linesep``/``os.devnull`` are Linux's: no drive letters,
    no backslash paths, no UNC paths, no reserved names (CON, NUL), no case-insensitive
    names, no 260-character limit; leadseg must read ``leadseg.system.NAME``.
  - NTFS/APFS semantics beyond the above: Windows' mandatory locking (a region locked with
    ``msvcrt.locking`` cannot be read by others), other processes' open files blocking a
    rename or delete, files opened by C or Rust code (Polars, DuckDB) or ``io.FileIO``
    directly, delayed deletion, symlinks needing a privilege, APFS's normalisation
    insensitivity, st_birthtime/st_flags (macOS) and st_file_attributes (Windows).
  - The C runtime's text mode on file descriptors: on Windows ``os.open`` without
    ``O_BINARY`` opens the fd in text mode and every ``os.write`` or binary file object on
    it turns LF into CRLF. Not simulated (only stdout/stderr are); a static test must check
    that every ``os.open`` passes ``O_BINARY`` through ``leadseg.system``.
  - Real console APIs (WriteConsoleW, console code pages, ANSI sequences, Ctrl+C/Ctrl+Break
    events), ``msvcrt``'s other functions (getch, get_osfhandle, ...), Windows-only ``os``
    functions (startfile, listdrives, add_dll_directory, lchmod of 3.13: Linux has none to
    lend), signal numbers (SIGABRT stays 6, not 22), ``mmap``'s Windows signature,
    multiprocessing's start methods, ``subprocess`` and ``getpass`` (imported before the
    fake ``msvcrt``, by which they would detect Windows, they stay POSIX), ``posix`` (still
    importable: the standard library imports it whenever ``os.name`` is ``"posix"``),
    ``/proc`` read by C code (the block is Python-level only), Polars' CPU check and NumPy's
    huge-page set-up (both call os.uname when os.name or sys.platform says POSIX; the
    bootstrap turns them off with POLARS_SKIP_CPU_CHECK and NUMPY_MADVISE_HUGEPAGE in
    every profile), macOS's own fcntl commands
    (F_NOCACHE, F_GETPATH) and O_EXLOCK/O_SHLOCK/O_SYMLINK, chflags.
"""

from __future__ import annotations

import builtins
import errno
import fcntl as _real_fcntl  # the real one, kept when the Windows profiles hide it
import io
import os
import struct
import sys
import time
import types

PROFILES = ("windows-3.11", "windows-3.13", "macos", "linux")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NT_NAMES = """
    F_OK O_APPEND O_BINARY O_CREAT O_EXCL O_NOINHERIT O_RANDOM O_RDONLY O_RDWR O_SEQUENTIAL
    O_SHORT_LIVED O_TEMPORARY O_TEXT O_TRUNC O_WRONLY P_DETACH P_NOWAIT P_NOWAITO P_OVERLAY
    P_WAIT R_OK TMP_MAX W_OK X_OK EX_OK DirEntry abort access chdir chmod close closerange
    cpu_count device_encoding dup dup2 environ error execv execve fspath fstat fsync ftruncate
    get_handle_inheritable get_inheritable get_terminal_size getcwd getcwdb getlogin getpid
    getppid isatty kill link listdir lseek lstat mkdir open pipe putenv read readlink remove
    rename replace rmdir scandir set_handle_inheritable set_inheritable spawnv spawnve
    startfile stat stat_result statvfs_result strerror symlink system terminal_size times
    times_result truncate umask uname_result unlink unsetenv urandom utime waitpid
    waitstatus_to_exitcode write
"""
_OS_PY_NAMES = """
    GenericAlias Mapping MutableMapping PathLike SEEK_CUR SEEK_END SEEK_SET abc altsep curdir
    defpath devnull execl execle execlp execlpe execvp execvpe extsep fdopen fsdecode fsencode
    get_exec_path getenv linesep makedirs name pardir path pathsep popen removedirs renames
    sep spawnl spawnle st supports_bytes_environ supports_dir_fd supports_effective_ids
    supports_fd supports_follow_symlinks sys walk
"""
WINDOWS_OS = {
    # process_cpu_count: what the running interpreter's own stdlib calls (3.13 and newer),
    # kept under either profile; os.py makes it cpu_count where no affinity exists
    "windows-3.11": _words(_NT_NAMES + _OS_PY_NAMES + "process_cpu_count"),
    "windows-3.13": _words(
        _NT_NAMES + _OS_PY_NAMES + "get_blocking set_blocking fchmod process_cpu_count"
    ),
}
# Windows values collide with Linux flags (O_TEMPORARY is Linux's O_CREAT): bits of their own
WINDOWS_OPEN_FLAGS = {
    name: 1 << bit
    for bit, name in enumerate(
        sorted(
            _words("O_BINARY O_TEXT O_NOINHERIT O_SEQUENTIAL O_RANDOM O_SHORT_LIVED O_TEMPORARY")
        ),
        24,
    )
}
WINDOWS_SIGNAL = _words(
    """SIGABRT SIGFPE SIGILL SIGINT SIGSEGV SIGTERM NSIG SIG_DFL SIG_IGN default_int_handler
    getsignal signal strsignal valid_signals raise_signal set_wakeup_fd"""
)
WINDOWS_NO_MODULES = _words(
    "fcntl pwd grp resource termios tty pty syslog crypt spwd nis readline curses"
    " _curses _posixshmem"
)
MACOS_NO_OS = _words(
    """EFD_CLOEXEC EFD_NONBLOCK EFD_SEMAPHORE GRND_NONBLOCK GRND_RANDOM MFD_ALLOW_SEALING
    MFD_CLOEXEC MFD_HUGETLB MFD_HUGE_16GB MFD_HUGE_16MB MFD_HUGE_1GB MFD_HUGE_1MB
    MFD_HUGE_256MB MFD_HUGE_2GB MFD_HUGE_2MB MFD_HUGE_32MB MFD_HUGE_512KB MFD_HUGE_512MB
    MFD_HUGE_64KB MFD_HUGE_8MB MFD_HUGE_MASK MFD_HUGE_SHIFT O_DIRECT O_LARGEFILE O_NOATIME
    O_PATH O_RSYNC O_TMPFILE POSIX_FADV_DONTNEED POSIX_FADV_NOREUSE POSIX_FADV_NORMAL
    POSIX_FADV_RANDOM POSIX_FADV_SEQUENTIAL POSIX_FADV_WILLNEED P_PIDFD RTLD_DEEPBIND
    RWF_APPEND RWF_DSYNC RWF_HIPRI RWF_NOWAIT RWF_SYNC SCHED_BATCH SCHED_IDLE
    SCHED_RESET_ON_FORK SPLICE_F_MORE SPLICE_F_MOVE SPLICE_F_NONBLOCK ST_APPEND ST_MANDLOCK
    ST_NOATIME ST_NODEV ST_NODIRATIME ST_NOEXEC ST_RELATIME ST_SYNCHRONOUS ST_WRITE
    XATTR_CREATE XATTR_REPLACE XATTR_SIZE_MAX copy_file_range eventfd eventfd_read
    eventfd_write fdatasync getrandom getresgid getresuid getxattr listxattr memfd_create
    pidfd_open pipe2 posix_fadvise posix_fallocate removexattr sched_getaffinity
    sched_getparam sched_getscheduler sched_rr_get_interval sched_setaffinity sched_setparam
    sched_setscheduler setresgid setresuid setxattr splice waitid waitid_result"""
)
MACOS_NO_FCNTL = _words(
    """DN_ACCESS DN_ATTRIB DN_CREATE DN_DELETE DN_MODIFY DN_MULTISHOT DN_RENAME F_ADD_SEALS
    F_EXLCK F_GETLK64 F_GETPIPE_SZ F_GETSIG F_GET_SEALS F_NOTIFY F_SEAL_GROW F_SEAL_SEAL
    F_SEAL_SHRINK F_SEAL_WRITE F_SETLK64 F_SETLKW64 F_SETPIPE_SZ F_SETSIG F_SHLCK LOCK_MAND
    LOCK_READ LOCK_RW LOCK_WRITE F_OFD_GETLK F_OFD_SETLK F_OFD_SETLKW F_GETLEASE
    F_SETLEASE"""
)
MACOS_NO_SIGNAL = _words(
    """SIGCLD SIGPOLL SIGPWR SIGRTMAX SIGRTMIN SIGSTKFLT pidfd_send_signal sigtimedwait
    sigwaitinfo struct_siginfo"""
)
F_FULLFSYNC = 51

_real = types.SimpleNamespace(
    open=io.open, os_open=os.open, stat=os.stat, lstat=os.lstat, fstat=os.fstat,
    listdir=os.listdir, scandir=os.scandir, access=os.access, readlink=os.readlink,
    rename=os.rename, replace=os.replace, remove=os.remove, fcntl=_real_fcntl.fcntl,
)  # fmt: skip


def _public(module: types.ModuleType) -> list[str]:
    return [name for name in vars(module) if not name.startswith("_")]


def _path_of(file: object) -> str | None:
    if isinstance(file, int):
        return None
    path = os.fsdecode(os.fspath(file))
    return os.path.normpath(os.path.join(os.getcwd(), path))


# --- paths that do not exist --------------------------------------------------------------


def _block_paths(prefixes: tuple[str, ...], allowed: tuple[str, ...] = ()) -> None:
    def missing(file: object) -> bool:
        path = _path_of(file)
        return (
            path is not None
            and path not in allowed
            and any(path == p or path.startswith(p + "/") for p in prefixes)
        )

    def guard(func):
        def guarded(file=".", *args, **kwargs):
            if missing(file):
                raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), file)
            return func(file, *args, **kwargs)

        guarded.__name__ = guarded.__qualname__ = func.__name__
        return guarded

    builtins.open = io.open = guard(io.open)
    for name in ("open", "stat", "lstat", "listdir", "scandir", "access", "readlink"):
        setattr(os, name, guard(getattr(os, name)))


# --- Windows ------------------------------------------------------------------------------


def _windows_os(profile: str) -> None:
    linux_fd = set(os.supports_fd)
    dir_fd = set(os.supports_dir_fd)
    for name in _public(os):
        if name not in WINDOWS_OS[profile]:
            delattr(os, name)
    for name, value in WINDOWS_OPEN_FLAGS.items():
        setattr(os, name, value)

    def reject_unix_arguments(func, takes_fd: bool):
        def call(*args, **kwargs):
            for key in ("dir_fd", "src_dir_fd", "dst_dir_fd"):
                if kwargs.get(key) is not None:
                    raise NotImplementedError(
                        f"{func.__name__}: {key} unavailable on this platform"
                    )
            if args and isinstance(args[0], int) and not takes_fd:
                raise TypeError(f"{func.__name__}: path should be string, bytes or os.PathLike")
            return func(*args, **kwargs)

        call.__name__ = call.__qualname__ = func.__name__
        return call

    for func in linux_fd | dir_fd:
        if getattr(os, func.__name__, None) is func:
            takes_fd = func.__name__ in _windows_takes_fd(profile) | {"truncate"}
            setattr(os, func.__name__, reject_unix_arguments(func, takes_fd))
    os.supports_bytes_environ = False


def _windows_takes_fd(profile: str) -> set[str]:
    """What ``os.supports_fd`` lists on Windows (os.truncate takes an fd too, unlisted)."""
    return {"stat"} | ({"chmod"} if profile == "windows-3.13" else set())


_EXECUTABLE = (".exe", ".bat", ".cmd", ".com")


def _windows_stat(result: os.stat_result, path: object = None) -> os.stat_result:
    import stat as st

    fields, extra = result.__reduce__()[1]
    fields = list(fields)
    kind = st.S_IFMT(result.st_mode)
    mode = 0o666 if result.st_mode & st.S_IWUSR else 0o444
    name = (
        os.fsdecode(os.fspath(path)).lower() if isinstance(path, (str, bytes, os.PathLike)) else ""
    )
    if kind == st.S_IFDIR or name.endswith(_EXECUTABLE):
        mode |= 0o111
    fields[0], fields[4], fields[5] = kind | mode, 0, 0
    return os.stat_result(fields, extra)


class _Entry:
    """A DirEntry whose ``stat()`` answers as Windows does."""

    def __init__(self, entry: os.DirEntry) -> None:
        self._entry = entry

    def __getattr__(self, name: str):
        return getattr(self._entry, name)

    def __fspath__(self) -> str:
        return self._entry.path

    def __repr__(self) -> str:
        return repr(self._entry)

    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        return _windows_stat(self._entry.stat(follow_symlinks=follow_symlinks), self._entry.name)


class _Entries:
    def __init__(self, entries) -> None:
        self._entries = entries

    def __iter__(self):
        return self

    def __next__(self) -> _Entry:
        return _Entry(next(self._entries))

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self._entries.close()

    def close(self) -> None:
        self._entries.close()


_open_fds: dict[int, tuple[int, int]] = {}  # fds this process opened -> (st_dev, st_ino)


def _track(fd: int) -> None:
    info = _real.fstat(fd)
    _open_fds[fd] = (info.st_dev, info.st_ino)


def _in_use(path: object) -> bool:
    try:
        info = _real.lstat(path)
    except OSError:
        return False
    for fd, key in list(_open_fds.items()):
        try:
            now = _real.fstat(fd)
        except OSError:
            now = None
        if now is None or (now.st_dev, now.st_ino) != key:
            del _open_fds[fd]
        elif key == (info.st_dev, info.st_ino):
            return True
    return False


def _sharing_violation(*paths: object) -> None:
    for path in paths:
        if _in_use(path):
            raise PermissionError(
                errno.EACCES,
                "The process cannot access the file because it is being used by another process",
                os.fsdecode(os.fspath(path)),
            )


def _windows_files() -> None:
    """stat as Windows answers it; open files that cannot be removed or renamed; text files
    in cp1252 with CRLF; O_* flags of Windows accepted by os.open."""
    stat, lstat, fstat, scandir, os_open = os.stat, os.lstat, os.fstat, os.scandir, os.open
    os.stat = lambda path, *a, **k: _windows_stat(stat(path, *a, **k), path)
    os.lstat = lambda path, *a, **k: _windows_stat(lstat(path, *a, **k), path)
    os.fstat = lambda fd: _windows_stat(fstat(fd))
    os.scandir = lambda path=".": _Entries(scandir(path))
    windows_only = sum(WINDOWS_OPEN_FLAGS.values())

    def open_fd(path, flags, mode=0o777, *, dir_fd=None):
        fd = os_open(path, flags & ~windows_only, mode, dir_fd=dir_fd)
        _track(fd)
        if flags & os.O_TEMPORARY:
            _real.remove(path)
        return fd

    os.open = open_fd
    io_open = io.open

    def open_file(file, mode="r", buffering=-1, encoding=None, errors=None, newline=None,
                  closefd=True, opener=None):  # fmt: skip
        if "b" not in mode:
            encoding = "cp1252" if encoding in (None, "locale") else encoding
            if newline is None and "+" not in mode and set(mode) & set("wax"):
                newline = "\r\n"
        handle = io_open(file, mode, buffering, encoding, errors, newline, closefd, opener)
        if not isinstance(file, int):
            _track(handle.fileno())
        return handle

    builtins.open = io.open = open_file
    remove = os.remove

    def unlink(path, *, dir_fd=None):
        _sharing_violation(path)
        return remove(path, dir_fd=dir_fd)

    def replace(src, dst, *, src_dir_fd=None, dst_dir_fd=None):
        _sharing_violation(src, dst)
        return _real.replace(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

    def rename(src, dst, *, src_dir_fd=None, dst_dir_fd=None):
        _sharing_violation(src, dst)
        if os.path.lexists(dst):
            message = "Cannot create a file when that file already exists"
            raise FileExistsError(errno.EEXIST, message, os.fsdecode(src), None, os.fsdecode(dst))
        return _real.rename(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

    os.remove = os.unlink = unlink
    os.replace, os.rename = replace, rename


def _windows_signal() -> None:
    import _signal

    for name in _public(_signal):
        if name not in WINDOWS_SIGNAL:
            delattr(_signal, name)
    _signal.SIGBREAK, _signal.CTRL_C_EVENT, _signal.CTRL_BREAK_EVENT = 21, 0, 1
    valid = {int(getattr(_signal, n)) for n in WINDOWS_SIGNAL if n.startswith("SIG")} | {21}
    real_signal, real_getsignal = _signal.signal, _signal.getsignal

    def check(signalnum: int) -> None:
        if signalnum not in valid:
            raise ValueError("invalid signal value")

    def signal(signalnum, handler):
        check(signalnum)
        return real_signal(signalnum, handler)

    def getsignal(signalnum):
        check(signalnum)
        return real_getsignal(signalnum)

    _signal.signal, _signal.getsignal = signal, getsignal
    sys.modules.pop("signal", None)
    import signal as _  # noqa: F401  (rebuilt from the trimmed _signal: Signals, Handlers)


class _Msvcrt(types.ModuleType):
    LK_UNLCK, LK_LOCK, LK_NBLCK, LK_RLCK, LK_NBRLCK = range(5)

    def __init__(self) -> None:
        super().__init__("msvcrt", "A stand-in for msvcrt (tests/os_simulation/simulate.py).")
        self._held: set[tuple] = set()
        self._binary: set[int] = set()

    def _ofd(self, fd: int, kind: int, start: int, length: int) -> None:
        flock = struct.pack("hhqqi4x", kind, os.SEEK_SET, start, length, 0)  # x86-64 Linux
        _real.fcntl(fd, _real_fcntl.F_OFD_SETLK, flock)

    def locking(self, fd: int, mode: int, nbytes: int, /) -> None:
        if nbytes < 0 or mode not in range(5):
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        start = os.lseek(fd, 0, os.SEEK_CUR)
        info = _real.fstat(fd)
        key = (fd, info.st_dev, info.st_ino, start, nbytes)
        if mode == self.LK_UNLCK:
            if key not in self._held:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
            self._held.discard(key)
            if nbytes:
                self._ofd(fd, _real_fcntl.F_UNLCK, start, nbytes)
            return
        mine = any(h[:3] == key[:3] and h[3] < start + nbytes and start < h[3] + h[4]
                   for h in self._held)  # fmt: skip
        for attempt in range(10 if mode in (self.LK_LOCK, self.LK_RLCK) else 1):
            if attempt:
                time.sleep(1)
            if mine:
                continue
            try:
                if nbytes:
                    self._ofd(fd, _real_fcntl.F_WRLCK, start, nbytes)
            except OSError as exc:
                if exc.errno == errno.EBADF:  # read-only fd: a shared lock is all it can hold
                    self._ofd(fd, _real_fcntl.F_RDLCK, start, nbytes)
                elif exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                else:
                    continue
            self._held.add(key)
            return
        if mode in (self.LK_LOCK, self.LK_RLCK):
            raise OSError(errno.EDEADLOCK, os.strerror(errno.EDEADLOCK))
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    def setmode(self, fd: int, mode: int, /) -> int:
        """O_BINARY or O_TEXT for fd (only stdout's and stderr's translation is simulated)."""
        if mode not in (os.O_BINARY, os.O_TEXT):
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        before = os.O_BINARY if fd in self._binary else os.O_TEXT
        (self._binary.add if mode == os.O_BINARY else self._binary.discard)(fd)
        return before


class _CrtText(io.RawIOBase):
    """fd 1 or 2 in the C runtime's text mode: LF is written as CRLF."""

    def __init__(self, fd: int, msvcrt: _Msvcrt) -> None:
        self.fd, self.msvcrt = fd, msvcrt

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        return os.isatty(self.fd)

    def write(self, data) -> int:
        data = bytes(data)
        out = data if self.fd in self.msvcrt._binary else data.replace(b"\n", b"\r\n")
        while out:
            out = out[os.write(self.fd, out) :]
        return len(data)


_replaced: list[io.TextIOWrapper] = []  # kept alive: freeing them would close fds 1 and 2


def _crt_stdio(msvcrt: _Msvcrt) -> None:
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        stream.flush()
        _replaced.append(stream)
        raw = _CrtText(stream.fileno(), msvcrt)
        wrapped = io.TextIOWrapper(
            io.BufferedWriter(raw), encoding=stream.encoding, errors=stream.errors,
            newline="\n", line_buffering=stream.line_buffering, write_through=name == "stderr",
        )  # fmt: skip
        setattr(sys, name, wrapped)
        setattr(sys, f"__{name}__", wrapped)


def _windows(profile: str) -> None:
    import select

    for name in _public(select):
        if name not in ("select", "error"):
            delattr(select, name)
    # subprocess takes an importable msvcrt for Windows (it would then need _winapi), and
    # getpass would use the console: both are bound to their POSIX selves first
    import getpass  # noqa: F401
    import subprocess  # noqa: F401

    _windows_os(profile)
    _cpu_count_without_affinity()
    _windows_files()
    _windows_signal()
    for name in WINDOWS_NO_MODULES:
        sys.modules[name] = None
    msvcrt = _Msvcrt()
    sys.modules["msvcrt"] = msvcrt
    _crt_stdio(msvcrt)
    _block_paths(("/proc", "/sys", "/dev"), allowed=("/dev/null",))
    os.supports_dir_fd, os.supports_effective_ids = set(), set()
    os.supports_fd = {getattr(os, name) for name in _windows_takes_fd(profile)}
    os.supports_follow_symlinks = set(os.supports_fd)
    # shutil (imported at start-up, by site) chose its fd-based rmtree from Linux's os;
    # on Windows it walks paths
    import shutil

    shutil._use_fd_functions = False  # type: ignore[attr-defined]
    shutil.rmtree.avoids_symlink_attacks = False  # type: ignore[attr-defined]


# --- macOS --------------------------------------------------------------------------------


def _cpu_count_without_affinity() -> None:
    """Python 3.13's os.py defines ``process_cpu_count`` from ``sched_getaffinity`` where
    that exists and as ``cpu_count`` elsewhere (Windows, macOS): so it is here."""
    if hasattr(os, "process_cpu_count"):
        os.process_cpu_count = os.cpu_count


def _macos() -> None:
    import _signal
    import select

    for module, names in (
        (os, MACOS_NO_OS),
        (_real_fcntl, MACOS_NO_FCNTL),
        (_signal, MACOS_NO_SIGNAL),
    ):
        for name in names & set(_public(module)):
            delattr(module, name)
    _cpu_count_without_affinity()
    for name in [n for n in _public(select) if n.startswith("EPOLL")] + ["epoll"]:
        delattr(select, name)
    sys.modules.pop("signal", None)

    def fcntl(fd, cmd, arg=0, /):
        if cmd == F_FULLFSYNC:
            os.fsync(fd)
            return 0
        return _real.fcntl(fd, cmd, arg)

    _real_fcntl.fcntl, _real_fcntl.F_FULLFSYNC = fcntl, F_FULLFSYNC
    _block_paths(("/proc", "/sys"))


SYSTEM_NAMES = {"windows-3.11": "windows", "windows-3.13": "windows", "macos": "macos"}


def bootstrap(profile: str) -> None:
    """Make this interpreter look like the profile's; call before importing leadseg."""
    if profile not in PROFILES:
        raise SystemExit(f"simulate.py: unknown profile {profile!r} (one of {', '.join(PROFILES)})")
    # Polars' CPU check (os.name "posix") and NumPy's huge page set-up (sys.platform
    # "linux") call os.uname, which Windows lacks; on Windows they take other paths: these
    # two are simulation artefacts, turned off in every profile
    os.environ.setdefault("POLARS_SKIP_CPU_CHECK", "1")
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    if profile.startswith("windows"):
        _windows(profile)
    elif profile == "macos":
        _macos()


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] != "--":
        raise SystemExit("usage: python simulate.py PROFILE -- LEADSEG-ARGS...")
    profile = argv[0]
    bootstrap(profile)
    from leadseg.cli import main as leadseg_main

    try:
        import leadseg.system
    except ImportError:
        pass
    else:
        leadseg.system.NAME = SYSTEM_NAMES.get(profile, "linux")
    sys.argv = ["leadseg", *argv[2:]]
    leadseg_main()


if __name__ == "__main__":
    main(sys.argv[1:])
