"""The flow editor's names for the engine's keys (`flows.labels`); an unknown key shows as is."""

from django import template

from tertulia.flows import labels

register = template.Library()


@register.filter
def step_type(key: str) -> str:
    return labels.STEP_TYPES.get(key, key)


@register.filter
def field_type(key: str) -> str:
    return labels.FIELD_TYPES.get(key, key)


@register.filter
def comparison(key: str) -> str:
    return labels.COMPARISONS.get(key, key)
