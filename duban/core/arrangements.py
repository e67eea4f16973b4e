"""DOC-2 (seed 004 §8): "安排工作原则上都要明确时间节点、责任单位和责任人".
The one check every work arrangement passes before it leaves its author --
a supervised matter being assigned (duban.supervision), a document that
assigns work being registered (duban.documents) -- so that both refuse the
same gaps with the same words, naming what is missing."""


def arrangement_problems(*, unit, person, has_time_node, before="交办前", fields=None, unit_text="责任单位",
                         time_text="时间节点", helpers=()) -> dict:
    """{field: message} of what a work arrangement leaves out: its
    responsible unit (`unit`), its responsible person (`person`), its time
    node (`has_time_node`: a deadline, a rule or a reporting cycle -- what
    counts is the caller's to say), and the responsible person of each
    helping unit (`helpers`: [(unit name, person or None)]). `before`: when
    the rule bites ("交办前" → "交办前须明确责任人"). `fields`: the caller's
    field names for "unit", "person", "time_node" and "helpers". Empty when
    nothing is missing."""
    names = {"unit": "unit", "person": "person", "time_node": "time_node", "helpers": "helpers", **(fields or {})}
    problems = {}
    if unit is None:
        problems[names["unit"]] = f"{before}须明确{unit_text}"
    if person is None:
        problems[names["person"]] = f"{before}须明确责任人"
    if not has_time_node:
        problems[names["time_node"]] = f"{before}须明确{time_text}"
    missing = [name for name, helper in helpers if helper is None]
    if missing:
        problems[names["helpers"]] = f"{before}须明确配合单位的责任人：" + "、".join(f"“{n}”" for n in missing)
    return problems


def missing_parts(problems: dict, fields=None) -> str:
    """"时间节点、责任人": what `arrangement_problems` found missing, in the
    rule's own order, for a message that names the gaps of one row."""
    names = {"unit": "unit", "person": "person", "time_node": "time_node", **(fields or {})}
    words = (("time_node", "时间节点"), ("unit", "责任单位"), ("person", "责任人"))
    return "、".join(word for key, word in words if names[key] in problems)
