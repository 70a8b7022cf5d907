from django import template

from collective.quantities import format_area

register = template.Library()


@register.filter(name="mu")
def mu(value) -> str:
    """An area in mu for people: {{ parcel.area_mu|mu }} -> 13.9 (never 13.9000), 11, 12.5."""
    return format_area(value)


@register.filter(name="hectares")
def hectares(value) -> str:
    """An area in hectares, to 0.0001 ha and without trailing zeros: {{ parcel.area_hectares|hectares }}."""
    return format_area(value)
