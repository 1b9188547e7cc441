"""Run a `tertulia` command that ends when the process that started it ends:

    python -m tertulia.core.lifeline <parent pid> worker --no-reload

`tertulia serve` starts its task worker this way, so the worker never outlives the server, however
the server ends (killed outright included, when none of its own clean-up runs). On Linux the
kernel sends the command SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG); elsewhere a thread
looks every second whether the parent is still there, and sends the same SIGTERM when it is not.
SIGTERM is what the worker stops on gracefully (it finishes the task it is running).
"""

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _kernel_signals_on_parent_death() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)


def bind_to_parent(parent_pid: int) -> None:
    """SIGTERM to this process when `parent_pid`, its parent, ends; exit now if it already has."""
    if not _kernel_signals_on_parent_death():
        threading.Thread(target=_watch, args=(parent_pid,), name="lifeline", daemon=True).start()
    if os.getppid() != parent_pid:  # the parent ended before the line was tied
        sys.exit(0)


def main() -> None:
    if len(sys.argv) < 3 or not sys.argv[1].isdigit():
        sys.exit("usage: python -m tertulia.core.lifeline <parent pid> <tertulia command> ...")
    bind_to_parent(int(sys.argv[1]))
    from tertulia.__main__ import main as tertulia

    sys.argv = ["tertulia", *sys.argv[2:]]
    tertulia()


if __name__ == "__main__":
    main()
