from tertulia.core import limits as _limits


def limits(request):
    """`limits.message` and the like in every template (e.g. a textarea's maxlength)."""
    return {"limits": _limits.as_dict()}
