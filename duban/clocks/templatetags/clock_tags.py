"""Template filters and tags of clocks."""

from django import template

from duban.clocks.models import Light

register = template.Library()
LIGHT_WORDS = dict(Light.choices)


@register.filter
def light_word(light):
    """A light's word (红灯 … 已终止), from the clock's own labels; anything
    else is 已完成."""
    return LIGHT_WORDS.get(light, Light.DONE.label)


@register.inclusion_tag("clocks/_provisional.html")
def provisional_mark(value):
    """The small 暂定 tag beside a light (TL-1), its title the note
    “（暂定：待国务院公布2027年节假日安排后自动校正）”; nothing when the
    deadline is not provisional. `value` is a clock (its provisional_note,
    derived from the current calendar), the note itself, or None."""
    note = getattr(value, "provisional_note", value) if value is not None else ""
    return {"note": note or ""}
