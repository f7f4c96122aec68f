"""A FUSE passthrough that behaves like the file systems people write leadseg's output to.

Linux CI runs on ext4 or tmpfs: case-sensitive, with hard links. Users write their output
folders to file systems that differ in two ways that matter to code writing files:

* ``--case-insensitive``: case-insensitive and case-preserving, like APFS (macOS' default),
  NTFS, exFAT and most SMB shares. ``Members.csv`` and ``members.csv`` name one file; names are
  also compared without regard to Unicode normalisation (a precomposed 'é' equals 'e' plus a
  combining accent), as APFS does. A name keeps the spelling it was created with: opening
  ``members.csv`` with O_CREAT when ``Members.csv`` exists opens ``Members.csv`` (and O_EXCL
  fails with EEXIST); listings show the stored spelling. A rename onto a case variant of an
  existing name replaces that file, and the entry then takes the spelling given to rename
  (``os.replace(tmp, "members.csv")`` over ``Members.csv`` leaves ``members.csv``); a rename of
  a name onto a case variant of itself changes its spelling.
* ``--no-hardlinks``: ``link(2)`` fails with EPERM, as on exFAT, FAT32 and many SMB shares.

Everything else passes through to a backing directory, which only this file system may change
while it is mounted. Names are mapped one directory component at a time: the exact spelling if
it exists, else the entry whose folded name equals the requested one.

Run (in the foreground; unmount with ``umount MOUNTPOINT`` or ``fusermount -u MOUNTPOINT``)::

    python tests/fusefs.py BACKING MOUNTPOINT [--case-insensitive] [--no-hardlinks]

It needs fusepy (``pip install fusepy``) and libfuse 2 (``apt-get install libfuse2``).

Locks: ``flock`` is passed to the backing file (fusepy 3.0.1 lacks libfuse's flock operation,
so it is added below), so it excludes other open files of the same file under any spelling,
in any process; a blocking ``flock`` waits in its own FUSE thread. POSIX locks (``fcntl.lockf``)
are kept by the kernel, which serves them per kernel inode: libfuse's high-level API makes one
kernel inode per spelling, so there they exclude each other only under the same spelling.
Two spellings of one file always share ``st_ino`` and ``st_dev`` (``os.path.samefile`` holds).

Caches are off (all timeouts 0) so every lookup and stat reaches this process. A file that is
unlinked or replaced while open is kept by libfuse as ``.fuse_hidden*`` until closed (so
``os.fstat`` on it still works); listings leave those out, but ``rmdir`` of their directory
fails with ENOTEMPTY until the file is closed.
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import fcntl
import os
import threading
import unicodedata

import fuse
from fuse import FuseOSError, Operations

HIDDEN = ".fuse_hidden"  # libfuse keeps an open file that is unlinked or replaced under this


def fold(name: str) -> str:
    """The key under which two names are the same file on a case-insensitive file system."""
    return unicodedata.normalize("NFC", name).casefold()


if "flock" not in dict(field[:2] for field in fuse.fuse_operations._fields_):

    class _Operations(ctypes.Structure):
        """fusepy's table of operations and the ones libfuse 2.9 has after it, up to flock."""

        _fields_ = [
            *fuse.fuse_operations._fields_,
            ("poll", ctypes.c_void_p),
            ("write_buf", ctypes.c_void_p),
            ("read_buf", ctypes.c_void_p),
            (
                "flock",
                ctypes.CFUNCTYPE(
                    ctypes.c_int, ctypes.c_char_p, ctypes.POINTER(fuse.fuse_file_info), ctypes.c_int
                ),
            ),
        ]

    fuse.fuse_operations = _Operations  # fuse.FUSE builds its table from this name


class FUSE(fuse.FUSE):
    def flock(self, path, fip, op):
        path = self._decode_optional_path(path)
        return self.operations("flock", path, fip.contents.fh, op)


class PassthroughFS(Operations):
    use_ns = True  # times in integer nanoseconds

    def __init__(self, backing: str, *, case_insensitive: bool, no_hardlinks: bool) -> None:
        self.root = os.path.realpath(backing)
        self.case_insensitive = case_insensitive
        self.no_hardlinks = no_hardlinks
        self._serial = threading.Lock()

    def __call__(self, op, *args):
        if op == "flock":  # may wait for another open file's lock: not under the lock
            return self.flock(*args)
        with self._serial:  # one request at a time: a two-step rename is never seen half done
            return super().__call__(op, *args)

    # -- names -------------------------------------------------------------------------

    def _variant(self, real_dir: str, name: str) -> str | None:
        """The stored name in real_dir that means `name` (exact spelling first), or None."""
        if os.path.lexists(os.path.join(real_dir, name)):
            return name
        if self.case_insensitive:
            key = fold(name)
            try:
                with os.scandir(real_dir) as entries:
                    for entry in entries:
                        if fold(entry.name) == key:
                            return entry.name
            except (FileNotFoundError, NotADirectoryError):
                pass
        return None

    def _real(self, path: str) -> str:
        """The backing path of an existing (or missing) FUSE path, component by component."""
        real = self.root
        for part in path.split("/"):
            if part:
                real = os.path.join(real, self._variant(real, part) or part)
        return real

    def _new(self, path: str) -> str:
        """The backing path for creating `path`; EEXIST if it (or a case variant) exists."""
        parent, name = os.path.split(path)
        real_parent = self._real(parent)
        if self._variant(real_parent, name) is not None:
            raise FuseOSError(errno.EEXIST)
        return os.path.join(real_parent, name)

    # -- metadata ----------------------------------------------------------------------

    def getattr(self, path, fh=None):
        st = os.fstat(fh) if isinstance(fh, int) else os.lstat(self._real(path))
        keys = ("st_mode", "st_ino", "st_nlink", "st_uid", "st_gid", "st_size", "st_rdev")
        attrs = {key: getattr(st, key) for key in keys}
        attrs.update(st_blocks=st.st_blocks, st_blksize=st.st_blksize)
        attrs.update(st_atime=st.st_atime_ns, st_mtime=st.st_mtime_ns, st_ctime=st.st_ctime_ns)
        return attrs

    def access(self, path, amode):
        if not os.access(self._real(path), amode, follow_symlinks=False):
            raise FuseOSError(errno.EACCES)

    def chmod(self, path, mode):
        os.chmod(self._real(path), mode)

    def chown(self, path, uid, gid):
        os.chown(self._real(path), uid, gid, follow_symlinks=False)

    def utimens(self, path, times=None):
        if times is None:
            os.utime(self._real(path), follow_symlinks=False)
        else:
            os.utime(self._real(path), ns=times, follow_symlinks=False)

    def statfs(self, path):
        sv = os.statvfs(self._real(path))
        keys = ("f_bsize", "f_frsize", "f_blocks", "f_bfree", "f_bavail", "f_files", "f_ffree")
        return {key: getattr(sv, key) for key in (*keys, "f_favail", "f_flag", "f_namemax")}

    # -- directories -------------------------------------------------------------------

    def readdir(self, path, fh):
        yield "."
        yield ".."
        with os.scandir(self._real(path)) as entries:
            for entry in entries:
                if entry.name.startswith(HIDDEN):
                    continue
                st = entry.stat(follow_symlinks=False)
                yield entry.name, {"st_ino": st.st_ino, "st_mode": st.st_mode}, 0

    def fsyncdir(self, path, datasync, fh):
        fd = os.open(self._real(path), os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def mkdir(self, path, mode):
        os.mkdir(self._new(path), mode)

    def rmdir(self, path):
        os.rmdir(self._real(path))

    # -- names of files ----------------------------------------------------------------

    def unlink(self, path):
        os.unlink(self._real(path))

    def symlink(self, target, source):  # fusepy: `target` is the link, `source` its text
        os.symlink(source, self._new(target))

    def readlink(self, path):
        return os.readlink(self._real(path))

    def link(self, target, source):  # fusepy: `target` is the new name, `source` the file
        if self.no_hardlinks:
            raise FuseOSError(errno.EPERM)  # what the kernel says when a fs has no link op
        os.link(self._real(source), self._new(target))

    def rename(self, old, new):
        real_old = self._real(old)
        new_parent, new_name = os.path.split(new)
        real_parent = self._real(new_parent)
        stored = self._variant(real_parent, new_name)
        real_new = os.path.join(real_parent, new_name)
        if stored is not None and stored != new_name:
            # `new` names an existing entry under another spelling: replace that entry
            # (os.replace does the checks: EISDIR, ENOTDIR, ENOTEMPTY), then give it the
            # spelling asked for. A case-only rename of one entry is just the second step.
            real_stored = os.path.join(real_parent, stored)
            if real_stored != real_old:
                if os.path.samestat(os.lstat(real_old), os.lstat(real_stored)):
                    return  # two links of one file: rename(2) does nothing
                os.replace(real_old, real_stored)
            os.rename(real_stored, real_new)
        else:
            os.replace(real_old, real_new)

    # -- file contents -----------------------------------------------------------------

    def create(self, path, mode, fi=None):
        # fusepy passes no open flags here; O_RDWR serves any access the caller asked for.
        return os.open(self._new(path), os.O_RDWR | os.O_CREAT | os.O_EXCL, mode)

    def open(self, path, flags):
        return os.open(self._real(path), flags)

    def read(self, path, size, offset, fh):
        return os.pread(fh, size, offset)

    def write(self, path, data, offset, fh):
        return os.pwrite(fh, data, offset)

    def truncate(self, path, length, fh=None):
        if isinstance(fh, int):
            os.ftruncate(fh, length)
        else:
            os.truncate(self._real(path), length)

    def flush(self, path, fh):
        return 0

    def fsync(self, path, datasync, fh):
        (os.fdatasync if datasync else os.fsync)(fh)

    def release(self, path, fh):
        os.close(fh)  # releases its flock too

    def flock(self, path, fh, op):
        fcntl.flock(fh, op)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("backing", help="the directory whose files are shown")
    parser.add_argument("mountpoint")
    parser.add_argument("--case-insensitive", action="store_true")
    parser.add_argument("--no-hardlinks", action="store_true")
    args = parser.parse_args(argv)
    fs = PassthroughFS(
        args.backing, case_insensitive=args.case_insensitive, no_hardlinks=args.no_hardlinks
    )
    flavour = [
        ("ci" if args.case_insensitive else "cs"),
        *(["nolink"] if args.no_hardlinks else []),
    ]
    FUSE(
        fs,
        args.mountpoint,
        foreground=True,
        fsname="leadseg-" + "-".join(flavour),
        use_ino=True,  # st_ino of the backing file: os.path.samefile works
        default_permissions=True,  # the kernel checks modes as on a local file system
        attr_timeout=0,
        entry_timeout=0,
        negative_timeout=0,
        big_writes=True,
        max_write=131072,
    )


if __name__ == "__main__":
    main()
