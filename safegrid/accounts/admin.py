from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from safegrid.audit.admin import ReadOnlyAdmin
from safegrid.audit.services import record

from .forms import AdminLoginForm, StampedAdminPasswordChangeForm
from .models import ScopeGrant, User

# The admin's login page counts failures and refuses locked accounts like /login/ and the token API.
admin.site.login_form = AdminLoginForm


class ScopeGrantInline(admin.TabularInline):
    model = ScopeGrant
    fields = ["path", "region", "grid"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class SafegridUserAdmin(UserAdmin):
    """Users are created, enabled and scoped by the services; admin may only reset passwords."""

    change_password_form = StampedAdminPasswordChangeForm
    list_display = ["username", "name", "role", "department", "is_active", "locked_until", "last_login"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "name", "mobile"]
    list_select_related = ["department"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("基本信息", {"fields": ["name", "mobile", "email", "role", "department"]}),
        ("状态", {"fields": ["is_active", "is_staff", "is_superuser", "failed_logins", "locked_until",
                             "password_changed_at", "last_login", "date_joined"]}),
    ]
    readonly_fields = ["username", "name", "mobile", "email", "role", "department", "is_active", "is_staff",
                       "is_superuser", "failed_logins", "locked_until", "password_changed_at",
                       "last_login", "date_joined"]
    inlines = [ScopeGrantInline]

    def has_add_permission(self, request):
        return False

    def user_change_password(self, request, id, form_url=""):
        # Django builds the form as change_password_form(user, data): a per-request subclass
        # carries the acting administrator to the service.
        actor = request.user
        form_class = type("ActorPasswordChangeForm", (StampedAdminPasswordChangeForm,), {"actor": actor})
        view = type(self)(self.model, self.admin_site)
        view.change_password_form = form_class
        return super(SafegridUserAdmin, view).user_change_password(request, id, form_url)

    def has_delete_permission(self, request, obj=None):
        return False

    def log_change(self, request, obj, message):
        record("admin_user_change", obj, actor=request.user, reason=str(message)[:500])
        return super().log_change(request, obj, message)


@admin.register(ScopeGrant)
class ScopeGrantAdmin(ReadOnlyAdmin):
    list_display = ["user", "path", "region", "grid"]
    search_fields = ["user__username", "user__name", "path"]
    list_select_related = ["user", "region", "grid"]
