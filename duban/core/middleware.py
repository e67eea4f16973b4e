from .context import Actor, _current, client_ip


class RequestContextMiddleware:
    """Makes the logged-in user and the client address the journal's actor
    for everything done while serving the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        token = _current.set(Actor(user=user, ip=client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
