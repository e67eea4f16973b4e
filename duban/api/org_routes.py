from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from duban.org.models import Person, Role
from duban.org.services import roles_of
from duban.org.visibility import scope_for, visible_units

router = Router(tags=["组织机构"])


class UnitRef(Schema):
    id: int
    name: str
    kind: str
    path: str


class UnitOut(UnitRef):
    parent_id: int | None
    depth: int
    short_name: str
    phone: str


class RoleOut(Schema):
    code: str
    name: str


class MeOut(Schema):
    username: str
    name: str
    position: str
    unit: UnitRef | None
    roles: list[RoleOut]
    jurisdictions: list[UnitRef]


class PersonOut(Schema):
    name: str
    position: str
    office_phone: str
    is_leader: bool


class UnitDetailOut(UnitOut):
    people: list[PersonOut]


def _ref(u):
    return {"id": u.pk, "name": u.name, "kind": u.kind, "path": u.path}


@router.get("/me", response=MeOut, summary="当前用户")
def me(request):
    user = request.user
    person = Person.objects.filter(user=user).select_related("unit").first()
    roles = roles_of(user)
    return {
        "username": user.username,
        "name": user.get_full_name() or user.username,
        "position": person.position if person else "",
        "unit": _ref(person.unit) if person else None,
        "roles": [{"code": r, "name": Role(r).label} for r in Role.values if r in roles],
        "jurisdictions": [_ref(u) for u in scope_for(user).jurisdictions],
    }


@router.get("/units", response=list[UnitOut], summary="单位树（按树序排列）")
def units(request, root: int | None = None):
    qs = visible_units(request.user).order_by("path")
    if root is not None:
        top = get_object_or_404(visible_units(request.user), pk=root)
        qs = qs.filter(path__startswith=top.path)
    return list(qs)


@router.get("/units/{unit_id}", response=UnitDetailOut, summary="单位及其人员")
def unit(request, unit_id: int):
    u = get_object_or_404(visible_units(request.user), pk=unit_id)
    people = (Person.objects.filter(unit=u, user__is_active=True).select_related("user")
              .order_by("sort_order", "id"))
    data = UnitOut.from_orm(u).dict()
    data["people"] = [{"name": p.display_name, "position": p.position, "office_phone": p.office_phone,
                       "is_leader": p.is_leader} for p in people]
    return data
