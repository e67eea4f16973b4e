"""The second factor (等保 level 3: two factors for the three administrators,
the 督查室 and whoever signs): TOTP from an authenticator app (django-otp's
TOTP device, RFC 6238) and one-time recovery codes (its static device).

Who needs it: the three administrators, the 督查室, and whoever signs --
the duty leaders and unit heads and leaders who sign duty reports off
(duban.duty.services.signing_basis), task-force members who verify and close
out problems (duban.rectification.services.verifier_refusal) -- and
everyone when the security policy says so; nobody when the deployment switches it off
(DUBAN_SECOND_FACTOR=0, for a trial). A signed-in user who needs it and has
not passed it this session reaches only the second-factor pages (middleware
below); the API's session authentication refuses such a session too.

Each write here is one transaction with its journal event. A wrong code is a
failed login to django-axes: the same count and the same lockout as a wrong
password, and the same journal (auth.login_failed, reason second_factor)."""

import io

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from duban.journal import chain
from duban.org.models import GroupKind, GroupMembership, Role
from duban.org.services import has_role

# The three administrators, the 督查室 (close-out), and the roles that sign:
# duty leaders, unit heads and leaders (duty sign-off).
SECOND_FACTOR_ROLES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.SUPERVISOR, Role.DUTY_LEADER,
                       Role.UNIT_HEAD, Role.LEADER)
RECOVERY_CODES = 10
FAILED_STEP_ATTR = "_duban_failed_step"
TOTP_NAME = "身份验证器"
RECOVERY_NAME = "恢复码"


def enforced() -> bool:
    return bool(getattr(settings, "DUBAN_SECOND_FACTOR", True))


def required_for(user, request=None) -> bool:
    if not enforced() or not getattr(user, "is_authenticated", False):
        return False
    if has_role(user, *SECOND_FACTOR_ROLES) or is_task_force_member(user):
        return True
    from . import policy

    return policy.current(request).second_factor_for_all


def is_task_force_member(user) -> bool:
    """Task-force members verify problems and close them out (销号)."""
    cached = getattr(user, "_duban_task_force", None)
    if cached is None:
        cached = GroupMembership.objects.filter(user=user, group__kind=GroupKind.TASK_FORCE).exists()
        user._duban_task_force = cached
    return cached


def has_totp(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def session_verified(request) -> bool:
    """The session passed the second factor, or its user needs none."""
    user = request.user
    if not required_for(user, request):
        return True
    device_id = request.session.get(DEVICE_ID_SESSION_KEY)
    if not device_id:
        return False
    return any(d.persistent_id == device_id for d in devices_for_user(user))


def _target(user):
    return {"object_type": "auth.user", "object_id": user.pk, "object_repr": user.get_username()}


@transaction.atomic
def start_enrolment(user) -> TOTPDevice:
    """An unconfirmed TOTP device for the user to scan (one at a time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    import segno

    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True,
                                                  title="身份验证器二维码")
    return out.getvalue().decode()


def secret_text(device: TOTPDevice) -> str:
    """The base32 key, in groups of four, for typing into an app."""
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


def _new_recovery_codes(user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@transaction.atomic
def confirm_enrolment(request, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the scanned device with a code from the app: the device
    becomes the user's (any older one goes), fresh recovery codes are made,
    and this session counts as verified. Returns the recovery codes, shown
    once, or None when the code is wrong (counted as a failed attempt)."""
    user = request.user
    if device.user_id != user.pk or not device.verify_token(_digits(code)):
        _failed(request, "enrol")
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    chain.record("auth.otp_enrol", **_target(user), after={"username": user.username, "device": "totp",
                                                           "recovery_codes": len(codes)}, actor=user)
    otp_login(request, device)
    return codes


@transaction.atomic
def regenerate_recovery_codes(user) -> list[str]:
    codes = _new_recovery_codes(user)
    chain.record("auth.otp_recovery_codes", **_target(user), after={"username": user.username,
                                                                    "recovery_codes": len(codes)}, actor=user)
    return codes


def _digits(code: str) -> str:
    return "".join((code or "").split())[:16]


def verify(request, code: str) -> bool:
    """The second step: a code from the app or an unused recovery code.
    True and the session verified, or False and a failed attempt counted
    (which may lock the account) and journaled."""
    user = request.user
    code = _digits(code)
    for device in devices_for_user(user):
        if code and device.verify_is_allowed()[0] and device.verify_token(code):
            kind = "recovery_code" if isinstance(device, StaticDevice) else "totp"
            with transaction.atomic():
                left = device.token_set.count() if kind == "recovery_code" else None
                chain.record("auth.otp_verify", **_target(user),
                             after={"username": user.username, "device": kind, "recovery_codes_left": left},
                             actor=user)
            otp_login(request, device)
            return True
    _failed(request, "verify")
    return False


def _failed(request, step):
    setattr(request, FAILED_STEP_ATTR, step)
    user_login_failed.send(sender=__name__, credentials={"username": request.user.get_username()},
                           request=request)


def locked(request) -> bool:
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_locked(request, {"username": request.user.get_username()})


@transaction.atomic
def reset(user, *, by=None):
    """The security administrator removes a user's devices (a lost phone):
    the user enrols again at the next sign-in."""
    removed = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    chain.record("auth.otp_reset", **_target(user), after={"username": user.username, "removed": removed},
                 actor=by)
    return removed
