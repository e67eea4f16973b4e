"""Template filters of clocks."""

from django import template

from duban.clocks.models import Light

register = template.Library()
LIGHT_WORDS = dict(Light.choices)


@register.filter
def light_word(light):
    """A light's word (红灯 … 已终止), from the clock's own labels; anything
    else is 已完成."""
    return LIGHT_WORDS.get(light, Light.DONE.label)
