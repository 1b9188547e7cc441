"""What every `tertulia worker` does when it starts, filled in by the apps that need it.

The worker command lives in `core`, which knows no feature app: an app that must queue something
when a worker starts (the retention sweep, say) registers it from its `AppConfig.ready`.
"""

from collections.abc import Callable

_on_start: list[Callable[[], None]] = []


def on_worker_start(hook: Callable[[], None]) -> None:
    """Call `hook` each time a worker starts (registered once per process)."""
    if hook not in _on_start:
        _on_start.append(hook)


def worker_started() -> None:
    """Run the registered hooks; the worker command calls this before taking tasks."""
    for hook in _on_start:
        hook()
