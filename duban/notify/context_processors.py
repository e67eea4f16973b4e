from .services import unread_count


def unread(request):
    """The unread in-app message count for the navigation: one COUNT query
    on an index, and none for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_count": 0}
    return {"unread_count": unread_count(user)}
