from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_GET

from collective.forms import LoginForm
from collective.models import EquityEvent, Heartbeat, Organisation, User, equity_percentages


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        if self.request.user.must_change_password:
            self.request.user.must_change_password = False
            self.request.user.save(update_fields=["must_change_password"])
        return response


HOME_TEMPLATES = {
    User.Role.TOWNSHIP: "collective/home_township.html",
    User.Role.ACCOUNTANT: "collective/home_township.html",
    User.Role.VILLAGE: "collective/home_village.html",
    User.Role.ASSOCIATION_STAFF: "collective/home_association.html",
    User.Role.FARMER: "collective/home_farmer.html",
}


def company_equity(as_of=None) -> list[dict]:
    """Return each company's holders with their shares and percentage, for the home pages."""
    as_of = as_of or timezone.localdate()
    holders = {org.pk: org for org in Organisation.objects.collectives()}
    result = []
    for company in Organisation.objects.companies():
        holdings = EquityEvent.objects.holdings_as_of(company, as_of)
        percentages = equity_percentages(holdings)
        rows = [
            {"holder": holders[holder_id], "shares": shares, "percent": float(percentages[holder_id] * 100)}
            for holder_id, shares in sorted(holdings.items(), key=lambda item: holders[item[0]].code)
        ]
        result.append({"company": company, "rows": rows, "total": sum(holdings.values())})
    return result


@require_GET
def home(request):
    """Each role lands on its own home."""
    user = request.user
    template = HOME_TEMPLATES.get(user.role, "collective/home_township.html")
    context = {
        "townships": Organisation.objects.filter(kind=Organisation.Kind.TOWNSHIP),
        "associations": Organisation.objects.collectives().select_related("township"),
        "equity": company_equity(),
    }
    if user.is_village_official:
        context["association"] = user.organisation
    if user.is_farmer:
        context["household"] = user.household
    return render(request, template, context)


@login_not_required
@require_GET
def health(request):
    """Report that the app and its database answer, and when the worker last ran (for probes)."""
    beats = {beat.name: beat.seen_at.isoformat() for beat in Heartbeat.objects.all()}
    return JsonResponse({"status": "ok", "heartbeats": beats})
