from django.conf import settings

from duban.org.models import Role
from duban.org.services import roles_of


def shell(request):
    """What the page frame needs: the county's name, the user's unit and
    roles, and which navigation entries to show."""
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None else set()
    person = getattr(user, "person", None) if user is not None and user.is_authenticated else None
    return {
        "county_name": settings.DUBAN_COUNTY_NAME,
        "me_person": person,
        "me_roles": [Role(r).label for r in Role.values if r in roles],
        "nav": {
            "journal": Role.AUDIT_ADMIN in roles,
            "tokens": Role.SYSTEM_ADMIN in roles,
            "admin": bool(roles & {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}),
        },
    }
