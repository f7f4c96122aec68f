"""Segment files out, atomically: temp files in the output directory, then renames.

A failed or interrupted run leaves the previous outputs byte-for-byte intact and no temp
files behind. Files are created 0600 (they hold personal data) unless asked otherwise.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from leadseg import system
from leadseg.errors import Location, OutputCreateError, OutputLockedError, OutputWriteError

TEMP_MARK = ".leadseg-tmp-"
PARTS_MARK = ".leadseg-parts-"
LOCK_FILE = ".leadseg.lock"
MANIFEST = "manifest.json"
OUTPUT_SUFFIXES = {"csv": ".csv", "tsv": ".tsv", "parquet": ".parquet", "ndjson": ".ndjson"}


def name_key(name: str) -> str:
    """A file name as a case-insensitive or normalising file system compares it (Windows',
    macOS's, SMB shares, exFAT): names with one key are one file there. Output names are
    compared by key on every OS, so a run means the same wherever its folder lives."""
    import unicodedata

    return unicodedata.normalize("NFC", name).casefold()


def extra_output_name(file: str, option: str, suffixes: tuple[str, ...], example: str) -> str:
    """The lower-case suffix of a file an option adds to ``-o`` (``--membership``,
    ``--workbook``): a plain file name, written into the output directory; checked before
    any work."""
    from leadseg.errors import UsageError

    path = Path(file)
    if path.name != file or file in (".", ".."):
        raise UsageError(
            f"{option} {file}: give a file name; it is written into the output directory "
            "with the segment files",
            hint=f"{option} {path.name or example}",
        )
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise UsageError(
            f"{option} {file}: the name must end in " + " or ".join(suffixes),
            hint=f"{option} {example}",
        )
    from leadseg.segments.slug import RESERVED

    # What Windows cannot name a file (a device; ':' would write an NTFS stream), refused
    # on every OS: an output folder may be opened from a Windows machine or moved to one.
    if path.stem.split(".")[0].lower() in RESERVED or set(file) & set('<>:"|?*\\'):
        raise UsageError(
            f"{option} {file}: Windows cannot name a file so (a device name, or one of "
            '< > : " | ? * \\)',
            hint=f"{option} {example}",
        )
    return suffix


@dataclass(frozen=True)
class OutputDir:
    path: Path

    @classmethod
    def prepare(cls, path: Path, *, make: bool = False) -> OutputDir:
        """Check (or create, with ``make``) the directory before any work is done."""
        where = Location(file=str(path))
        if make:
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise OutputCreateError(
                    f"cannot create the output directory: {exc.strerror}", location=where
                ) from None
        if not path.exists():
            raise OutputCreateError(
                "the output directory does not exist",
                location=where,
                hint=f"create it ({system.make_directory_command(path)}) or add --mkdir",
            )
        if not path.is_dir():
            raise OutputCreateError("the output path is not a directory", location=where)
        if not system.directory_writable(path):
            raise OutputCreateError(
                "the output directory is not writable",
                location=where,
                hint="check its permissions or choose another -o",
            )
        return cls(path)

    def guard(self, names: list[str], protected: dict[str, Path]) -> None:
        """Refuse (exit 73, before anything is written) when a name this run may write --
        a segment file, the manifest, the lock, a temp file -- is one of the ``protected``
        files (the export, the segment file, a cache), by path or by device and inode, or
        when one of them sits where stale temp files are swept."""
        here = os.path.realpath(self.path)
        for what, path in protected.items():
            try:
                real, stat = os.path.realpath(path), os.stat(path)
            except OSError:
                continue
            base = os.path.basename(real)
            beside = os.path.dirname(real) == here
            if beside and (
                (base.startswith(".") and TEMP_MARK in base) or base.startswith(PARTS_MARK)
            ):
                raise OutputCreateError(
                    f"the {what} ({path}) is named like a temporary file of leadseg's in the "
                    "output directory, which a run removes",
                    location=Location(file=str(self.path)),
                    hint="rename it, or choose another output directory (-o)",
                )
            for name in [*names, MANIFEST, LOCK_FILE]:
                target = self.path / name
                if (
                    os.path.realpath(target) == real
                    or _same_file(target, stat)
                    or (beside and name_key(name) == name_key(base))
                ):
                    raise OutputCreateError(
                        f"writing {name} into {self.path} would replace the {what} ({path})",
                        location=Location(file=str(self.path)),
                        hint="choose another output directory (-o), or rename the segment",
                    )
            if os.path.isdir(path) and os.path.realpath(path) == here:
                raise OutputCreateError(
                    f"the output directory is the {what} ({path})",
                    location=Location(file=str(self.path)),
                    hint="choose another output directory (-o)",
                )

    @contextlib.contextmanager
    def locked(self, wait_seconds: float = 0.0) -> Iterator[None]:
        """Hold the directory's lock for one run; sweep temp files a killed run left.

        An OS lock (``system.try_lock``: flock, or msvcrt's on Windows) on ``.leadseg.lock``,
        a file that is never deleted (deleting it would let two runs lock two different
        files). It records only the holder's process id and start time. Waits up to
        ``wait_seconds``, then raises ``OutputLockedError``.
        """
        where = Location(file=str(self.path))
        try:
            fd = system.open_lock_file(self.path / LOCK_FILE)
        except OSError as exc:
            raise OutputCreateError(
                f"cannot create the lock file {LOCK_FILE}: {exc.strerror}", location=where
            ) from None
        try:
            deadline = time.monotonic() + wait_seconds
            while not self._try_lock(fd):
                if time.monotonic() >= deadline:
                    raise OutputLockedError(
                        f"another leadseg run is writing to this directory ({_holder(fd)})",
                        location=where,
                        hint="wait for it to finish, or pass --wait-lock SECONDS",
                    )
                time.sleep(0.05)
            started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            system.rewrite(fd, f"pid {os.getpid()} since {started}\n".encode())
            self.sweep_stale_temps()
            yield
        finally:
            with contextlib.suppress(OSError):
                system.unlock(fd)
            os.close(fd)

    def _try_lock(self, fd: int) -> bool:
        try:
            return system.try_lock(fd)
        except OSError as exc:  # a file system without locks (some network shares)
            raise OutputCreateError(
                f"cannot lock {LOCK_FILE}: {exc.strerror or exc} -- the file system of the "
                "output directory does not support locks",
                location=Location(file=str(self.path)),
                hint="choose an output directory on a local disk (-o)",
            ) from None

    def previous_files(self) -> set[str]:
        """The segment files the manifest of the previous run lists (plain names only)."""
        try:
            data = json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
            segments = data.get("segments", [])
            # apply lists one file a segment (and maybe a membership file); diff two
            files = [s.get(key) for s in segments for key in ("file", "left_file")]
            files.append((data.get("membership") or {}).get("file"))
            files.append((data.get("workbook") or {}).get("file"))
        except (OSError, ValueError, AttributeError, TypeError):
            return set()
        suffixes = (*OUTPUT_SUFFIXES.values(), ".xlsx")
        return {
            f
            for f in files
            if isinstance(f, str)
            and f.endswith(suffixes)
            and not f.startswith(".")
            and os.path.basename(f) == f
            and "\x00" not in f
            and f != MANIFEST
        }

    def previous_part_dirs(self) -> set[str]:
        """The directories of parts the previous run wrote (``--spark-parts``): the only
        directories a run may replace -- never one leadseg did not write."""
        try:
            data = json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
            if data.get("spark_parts") is not True:
                return set()
        except (OSError, ValueError, AttributeError, TypeError):
            return set()
        return {f for f in self.previous_files() if (self.path / f).is_dir()}

    def sweep_stale_temps(self) -> None:
        """Remove temp files of runs that were killed (SIGKILL, power loss): never published.
        One that cannot be removed (Windows: another program holds it open) is left for a
        later run."""
        for entry in self.path.iterdir():
            if TEMP_MARK in entry.name and entry.name.startswith(".") and not entry.is_symlink():
                with contextlib.suppress(OSError):
                    remove_output(entry)
            elif entry.name.startswith(PARTS_MARK) and entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)


def remove_output(path: Path) -> None:
    """Remove a file, or a directory of parts (never following a symlink)."""
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def _roll_back(done: list[tuple[Path, Path | None]]) -> bool:
    """Undo renames, newest first; True when every previous file is back."""
    restored = True
    for target, backup in reversed(done):
        try:
            if backup is None:
                remove_output(target)
            elif _is_dir(backup) or _is_dir(target):  # moved aside, not linked
                remove_output(target)
                os.rename(backup, target)
            else:
                os.replace(backup, target)
                if os.path.lexists(backup):  # rename(2) of two links to one file does nothing
                    os.unlink(backup)
        except OSError:
            restored = False
    return restored


def _keep_aside(target: Path, backup: Path) -> bool:
    """A second name for the file ``target`` while it is replaced: a hard link, or where
    the file system has none (exFAT, FAT32, many SMB shares) a private copy. True when
    ``target`` was moved aside instead (a planted symlink, never followed)."""
    if target.is_symlink():
        os.rename(target, backup)
        return True
    try:
        os.link(target, backup)
    except OSError:
        fd = system.create_new(backup)
        with os.fdopen(fd, "wb") as copy, open(target, "rb") as original:
            shutil.copyfileobj(original, copy, 1 << 20)
    return False


def _is_dir(path: Path) -> bool:
    """A real directory (a directory of parts), not a symlink to one."""
    return path.is_dir() and not path.is_symlink()


def _stat_or_none(path: Path | None) -> os.stat_result | None:
    try:
        return None if path is None else os.stat(path)
    except OSError:
        return None


def _same_file(path: Path, stat: os.stat_result) -> bool:
    try:
        mine = os.stat(path)
    except OSError:
        return False
    if mine.st_ino == 0:  # some Windows network and RAM drives number no file
        return False
    return (mine.st_dev, mine.st_ino) == (stat.st_dev, stat.st_ino)


def _holder(fd: int) -> str:
    """The lock holder's own words (its pid and start time), or "unknown"."""
    try:
        return system.read_start(fd, 200).decode(errors="replace").strip() or "unknown"
    except OSError:
        return "unknown"


@dataclass
class Publication:
    """Files being written for one run; published together by ``commit``, else removed.

    Use as a context manager: leaving it by an exception (including KeyboardInterrupt)
    removes every temp file, so the directory holds exactly what it held before.
    """

    out: OutputDir
    mode: int | None = 0o600  # None: the OS's own (Windows: the folder's ACL)
    _temps: dict[str, Path] = field(default_factory=dict)
    _handles: dict[str, BinaryIO] = field(default_factory=dict)

    def open(self, name: str) -> BinaryIO:
        """A new private temp file that will become ``name``."""
        temp = self.out.path / f".{name}{TEMP_MARK}{secrets.token_hex(6)}"
        fd = self._guard(lambda: system.create_new(temp))
        self._temps[name] = temp
        handle = os.fdopen(fd, "wb", buffering=1 << 20)
        self._handles[name] = handle
        return handle

    def adopt(self, name: str, directory: Path) -> None:
        """A finished directory of parts (written by Spark, in the output directory) that
        will become ``name``, published with the files."""
        self._temps[name] = directory

    def commit(self, manifest: dict[str, Any], protect: Path | None = None) -> None:
        """Flush and sync every file, then rename them into place, manifest last; then
        remove the outputs of the previous run that this one does not write (so the
        directory holds exactly what its manifest lists). ``protect`` is never removed."""
        previous = self.out.previous_files()
        body = json.dumps(manifest, indent=2, ensure_ascii=False).encode() + b"\n"
        self.open(MANIFEST).write(body)
        for name, handle in self._handles.items():
            self._guard(lambda n=name, h=handle: self._finish(self._temps[n], h))
        self._handles.clear()
        names = list(self._temps)
        self._publish()
        kept = [_stat_or_none(protect), *(_stat_or_none(self.out.path / n) for n in names)]
        listed = set(os.listdir(self.out.path))
        for name in previous - set(names):
            stale = self.out.path / name
            if any(s and _same_file(stale, s) for s in kept):
                continue
            # Members.csv, then members.csv: on a case-insensitive disk one file (listed
            # once, in either spelling), which must stay; on a case-sensitive one two
            # files, both listed, and the old one goes.
            alike = [n for n in names if name_key(n) == name_key(name)]
            if alike and not (name in listed and all(n in listed for n in alike)):
                continue
            # Everything is published: a stale file another program holds open (Windows)
            # stays rather than turning a complete run into a failed one.
            with contextlib.suppress(OSError):
                remove_output(stale)

    def _publish(self) -> None:
        """Rename every temp file (or adopted directory) into place, keeping each previous
        output under a hidden name until all are in place: if one rename fails, every
        output is put back, so the directory holds the complete previous run (or, past the
        last rename, the new one)."""
        done: list[tuple[Path, Path | None]] = []  # (target, backup of what it replaced)
        part_dirs = self.out.previous_part_dirs()
        failing = self.out.path
        try:
            for name, temp in self._temps.items():
                target = failing = self.out.path / name
                backup, moved = None, False
                if _is_dir(target) and name not in part_dirs:
                    raise IsADirectoryError(21, f"{name} is a directory leadseg did not write")
                if os.path.lexists(target):
                    backup = self.out.path / f".{name}{TEMP_MARK}old-{secrets.token_hex(6)}"
                    if _is_dir(target) or _is_dir(temp):  # a directory of parts is involved
                        os.rename(target, backup)
                        moved = True
                    else:  # a file stays in place until it is replaced
                        moved = _keep_aside(target, backup)
                try:
                    os.replace(temp, target)
                except OSError:
                    if moved:  # the previous one is aside: put it back with the others
                        done.append((target, backup))
                    elif backup is not None:  # still in place: only its second name goes
                        with contextlib.suppress(OSError):
                            os.unlink(backup)
                    raise
                done.append((target, backup))
        except OSError as exc:
            restored = _roll_back(done)
            if system.held_open(exc):
                raise OutputWriteError(
                    f"cannot replace {failing.name}: another program (Excel?) has it open",
                    location=Location(file=str(failing)),
                    hint="close it there and run again; the previous outputs were restored"
                    if restored
                    else "close it there and run again; restoring the previous outputs "
                    "failed too: the directory may mix runs",
                ) from None
            raise OutputWriteError(
                f"cannot publish the segment files: {exc.strerror or exc}",
                location=Location(file=str(self.out.path)),
                hint="the previous outputs were restored as they were"
                if restored
                else "restoring the previous outputs failed too: the directory may mix runs; "
                "run again",
            ) from None
        self._temps.clear()
        for _, backup in done:
            if backup is not None:
                with contextlib.suppress(OSError):
                    remove_output(backup)

    def _finish(self, temp: Path, handle: BinaryIO) -> None:
        handle.flush()
        if self.mode is not None and system.modes_apply():
            system.set_mode(temp, self.mode, handle.fileno())
        system.sync_file(handle.fileno())
        handle.close()

    def abort(self) -> None:
        for handle in self._handles.values():
            with contextlib.suppress(OSError):
                handle.close()
        for temp in self._temps.values():
            remove_output(temp)
        for parts in self.out.path.glob(f"{PARTS_MARK}*"):
            shutil.rmtree(parts, ignore_errors=True)
        self._handles.clear()
        self._temps.clear()

    def _guard(self, action):
        try:
            return action()
        except OSError as exc:
            raise self.write_error(exc) from None

    def write_error(self, exc: OSError) -> OutputWriteError:
        return OutputWriteError(
            f"cannot write the segment files: {exc.strerror or exc}",
            location=Location(file=str(self.out.path)),
            hint="check free space and permissions; previous outputs were left as they were",
        )

    def __enter__(self) -> Publication:
        return self

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: Any) -> None:
        self.abort()
        if isinstance(exc, OSError) and not isinstance(exc, OutputWriteError):
            raise self.write_error(exc) from None
