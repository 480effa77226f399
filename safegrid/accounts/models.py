from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone

from safegrid.core import refcache
from safegrid.core.roles import Role
from safegrid.core.scope import RestrictedQuerySet, path_q


class SafegridUserManager(UserManager.from_queryset(RestrictedQuerySet)):
    pass


class User(AbstractUser):
    """A platform user. `role` says what they may do; scope grants say where."""

    name = models.CharField("姓名", max_length=50, blank=True)
    mobile = models.CharField("手机号", max_length=20, blank=True)
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.LEADER)
    department = models.ForeignKey(
        "regions.Department", null=True, blank=True, on_delete=models.PROTECT,
        related_name="staff", verbose_name="所属部门",
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise", null=True, blank=True, on_delete=models.PROTECT,
        related_name="users", verbose_name="所属单位",
    )
    failed_logins = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    # Set when an administrator gave the password (new account, reset): changed at the next log-in.
    must_change_password = models.BooleanField("须在下次登录时修改密码", default=False)

    objects = SafegridUserManager()
    role_actions = {"view": {Role.ADMIN, Role.COUNTY_OFFICE}, "change": {Role.ADMIN}}

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]

    @property
    def display_name(self):
        return self.name or self.get_full_name() or self.username

    def __str__(self):
        return self.display_name

    @property
    def effective_role(self):
        return Role.ADMIN if self.is_superuser else self.role

    def scope_paths(self):
        """Materialised paths of the user's jurisdiction roots (cached on the instance and, every
        request asking, per process in core.refcache until any grant changes)."""
        if not hasattr(self, "_scope_paths"):
            def load():
                paths = ScopeGrant.objects.filter(user_id=self.pk).values_list("path", flat=True)
                return tuple(sorted(paths))

            self._scope_paths = list(refcache.get(("scope_paths", self.pk), ("accounts_scopegrant",), load))
        return self._scope_paths

    def is_locked(self, now=None):
        return self.locked_until is not None and self.locked_until > (now or timezone.now())

    @classmethod
    def scope_q(cls, user, action):
        """Users whose own scope lies inside the viewer's jurisdiction."""
        grants = ScopeGrant.objects.filter(path_q("path", user.scope_paths())).values("user_id")
        return Q(pk__in=grants)


class ScopeGrant(models.Model):
    """One root of a user's jurisdiction: a region subtree or a single grid."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="scope_grants")
    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name="行政区划")
    grid = models.ForeignKey("regions.Grid", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name="网格")
    path = models.CharField("路径", max_length=120, db_index=True)

    class Meta:
        verbose_name = "辖区授权"
        verbose_name_plural = "辖区授权"
        constraints = [
            models.UniqueConstraint(fields=["user", "path"], name="scope_grant_unique"),
            models.CheckConstraint(
                condition=Q(region__isnull=False, grid__isnull=True)
                | Q(region__isnull=True, grid__isnull=False),
                name="scope_grant_region_xor_grid",
            ),
        ]

    def __str__(self):
        return str(self.region or self.grid)
