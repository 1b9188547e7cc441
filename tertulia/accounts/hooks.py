"""What happens elsewhere when a member's place in a workspace changes, filled in by the apps
that need it.

`accounts` knows no higher app: the dashboard socket (`realtime`) registers from its
`AppConfig.ready` a hook that makes the member's open pages follow (removed: they leave at once;
new role: they reload with the menus of that role), and `privacy` one that deletes a workspace's
visitors in batches before the workspace itself goes.
"""

from collections.abc import Callable

AccessHook = Callable[..., None]

_on_access_changed: list[AccessHook] = []
_on_workspace_deleting: list[Callable[[int], None]] = []


def on_access_changed(hook: AccessHook) -> None:
    """Call `hook(user_id=, workspace_id=)` whenever a user's membership of a workspace is
    removed or its role changes (inside the transaction of the change; registered once)."""
    if hook not in _on_access_changed:
        _on_access_changed.append(hook)


def access_changed(*, user_id: int, workspace_id: int) -> None:
    """Run the registered hooks for one user in one workspace."""
    for hook in _on_access_changed:
        hook(user_id=user_id, workspace_id=workspace_id)


def on_workspace_deleting(hook: Callable[[int], None]) -> None:
    """Call `hook(workspace_id)` before a workspace is deleted, outside any transaction, so a
    large workspace's data can go in batches (registered once)."""
    if hook not in _on_workspace_deleting:
        _on_workspace_deleting.append(hook)


def workspace_deleting(workspace_id: int) -> None:
    """Run the registered hooks for a workspace about to be deleted."""
    for hook in _on_workspace_deleting:
        hook(workspace_id)
