"""Which processes a command started, and which of them outlive it: told by ancestry and
process group, never by name, as other engineers run Rasa and Redis on the same machine.

    with ProcessWatch() as watch:     # orphans now become children of this test process
        run = ManagedProcess("make-run", ["make", "run"])
        started = watch.started()     # while it runs: its processes, their groups recorded
        ...                           # stop it, wait for it
        assert watch.survivors() == set()

Leaving the block kills whatever is still left (a failed test leaves nothing running).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

# prctl(2): orphaned descendants are re-parented to this process instead of to init, so a
# service its script failed to stop is still found among this process's descendants.
PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True)
class Process:
    """One process, as /proc shows it; equal only to itself, not to a later one on its pid."""

    pid: int
    start_ticks: int
    parent: int = field(compare=False)
    group: int = field(compare=False)
    zombie: bool = field(compare=False)
    command: str = field(compare=False)


def process_table() -> list[Process]:
    """Every process on the machine, now."""
    processes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it exited meanwhile
            continue
        # "pid (name) state ppid pgrp ..."; the name may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2 :].split()
        processes.append(
            Process(
                pid=int(entry.name),
                start_ticks=int(fields[19]),
                parent=int(fields[1]),
                group=int(fields[2]),
                zombie=fields[0] == "Z",
                command=command.strip(),
            )
        )
    return processes


def _descendants(table: list[Process], root: int) -> set[Process]:
    children: dict[int, list[Process]] = {}
    for process in table:
        children.setdefault(process.parent, []).append(process)
    found: set[Process] = set()
    parents = [root]
    while parents:
        for child in children.get(parents.pop(), []):
            found.add(child)
            parents.append(child.pid)
    return found


class ProcessWatch:
    """The processes started inside the block, and the process groups they ran in."""

    def __enter__(self) -> ProcessWatch:
        self._prctl(1)
        self._before = _descendants(process_table(), os.getpid())
        self._groups: set[int] = set()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            for _ in range(5):  # a dying parent may have started another child meanwhile
                for process in self.survivors():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(process.pid, signal.SIGKILL)
                    if process.parent == os.getpid():  # adopted, so ours to reap
                        with contextlib.suppress(ChildProcessError):
                            os.waitpid(process.pid, 0)
        finally:
            self._prctl(0)

    def started(self) -> set[Process]:
        """Processes started since the block began that still run; their groups recorded."""
        return self._started(process_table())

    def survivors(self) -> set[Process]:
        """What still runs of it: started processes, or any process in one of their groups."""
        table = process_table()
        in_groups = {p for p in table if p.group in self._groups and not p.zombie}
        return self._started(table) | in_groups

    def _started(self, table: list[Process]) -> set[Process]:
        started = {p for p in _descendants(table, os.getpid()) - self._before if not p.zombie}
        self._groups |= {process.group for process in started}
        self._groups -= {process.group for process in self._before} | {os.getpgid(0)}
        return started

    @staticmethod
    def _prctl(subreaper: int) -> None:
        if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, subreaper, 0, 0, 0):
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
