# SPDX-License-Identifier: Apache-2.0
"""Worker processes that die with the process that started them.

The parse, tag and classify pools run under the forkserver start method, so a worker's parent is the
fork server, not the command that wanted the work; when that command is killed (SIGKILL, an
OOM kill), nothing tells the workers, and they, the fork server and the resource tracker
would live on. Each worker therefore watches the pid of the process that made the pool and
exits as soon as it is gone.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any

__all__ = ["POLL_SECONDS", "orphan_proof_pool"]

POLL_SECONDS = 0.5


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # a pid reused by another user's process: ours is gone
        return True
    return False


def _watch(pid: int) -> None:
    while not _gone(pid):
        threading.Event().wait(POLL_SECONDS)
    os._exit(1)  # no cleanup: the parent that would collect the results is dead


def _start_watch(pid: int, initializer: Any, initargs: tuple[Any, ...]) -> None:
    threading.Thread(target=_watch, args=(pid,), name="parent-watch", daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def orphan_proof_pool(
    workers: int, initializer: Any = None, initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    """A forkserver process pool whose workers exit when this process dies.

    forkserver, because forking a process that runs threads (a scheduler, a demo server) is
    unsafe.
    """
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("forkserver"),
        initializer=_start_watch,
        initargs=(os.getpid(), initializer, initargs),
    )
