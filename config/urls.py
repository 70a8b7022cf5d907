from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from collective import second_factor_views
from collective import views as collective_views
from portal import views as portal_views

urlpatterns = [
    path("", portal_views.front_door, name="home"),
    path("health/", collective_views.health, name="health"),
    path("login/", collective_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", collective_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("second-factor/", second_factor_views.verify, name="second-factor"),
    path("second-factor/enrol/", second_factor_views.enrol, name="second-factor-enrol"),
    path("second-factor/recovery-codes/", second_factor_views.recovery_codes, name="second-factor-recovery"),
    path("second-factor/officials/", second_factor_views.officials, name="second-factor-officials"),
    path("second-factor/officials/<int:pk>/reset/", second_factor_views.reset, name="second-factor-reset"),
    # Anyone may switch the language, the login page included.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("collective/", include("collective.urls")),
    path("land/", include("land.urls")),
    path("association/", include("association.urls")),
    path("dividends/", include("dividends.urls")),
    path("books/", include("books.urls")),
    path("membership/", include("membership.urls")),
    path("assets/", include("assets.urls")),
    path("desk/", include("desk.urls")),
    path("me/", include("portal.urls")),
    path("api/v1/", include("config.api")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
