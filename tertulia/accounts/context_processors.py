def membership(request):
    """Expose the current member (and through it the workspace) to templates, and all the
    user's memberships for the top bar's workspace switcher."""
    return {
        "member": getattr(request, "member", None),
        "my_workspaces": getattr(request, "memberships", []),
    }
