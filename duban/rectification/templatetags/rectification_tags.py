"""Template filters of the rectification pages."""

from django import template

from duban.rectification import pages

register = template.Library()


@register.filter
def may_import(campaign, user) -> bool:
    """Whether `user` may import a ledger into `campaign` (the 导入台账 tab
    is shown only then: its page answers 404 to others)."""
    return bool(pages.import_units(user, campaign))
