def membership(request):
    """Expose the current member (and through it the workspace) to templates."""
    return {"member": getattr(request, "member", None)}
