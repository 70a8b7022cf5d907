"""Plumbing every app's views share: permission checks and pagination."""

from django.core.exceptions import PermissionDenied
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
