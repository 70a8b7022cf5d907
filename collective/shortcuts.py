"""Plumbing every app's views share: permission checks, pagination, a service's errors on a form."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

PAGE_SIZE = 50


def require_permission(request, permission: str, obj=None) -> None:
    """Raise PermissionDenied (403) unless the user holds the rule's permission, on the object if given."""
    if not request.user.has_perm(permission, obj):
        raise PermissionDenied


def paginate(request, queryset: QuerySet | list, per_page: int | None = None) -> tuple[Page, str]:
    """The requested page of the rows, and the request's other query parameters for the page links."""
    page = Paginator(queryset, per_page or PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def add_service_errors(
    form: forms.Form,
    error: ValidationError,
    field_map: dict[str, str | None] | None = None,
    skip: tuple[str, ...] = (),
) -> None:
    """Put a service's ValidationError on the form's fields, renaming fields the form calls otherwise.

    Errors on fields the form lacks go to the top of the form, except those in `skip`, which the page
    shows elsewhere.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        if field in skip:
            continue
        name = (field_map or {}).get(field, field)
        if name is not None and name not in form.fields:
            name = None
        form.add_error(name, errors)
