"""The inbox page (站内消息): the user's own messages, mark one or all read.

An inbox is private for every role, administrators included, so it is filtered by the
user on top of `restrict`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import services
from .models import Notification

PAGE_SIZE = 30


def inbox(user):
    return Notification.objects.restrict(user, "view").filter(user=user)


def unread_count(user):
    return inbox(user).filter(read_at__isnull=True).count() if user.is_authenticated else 0


@login_required
def index(request):
    qs = inbox(request.user)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/index.html", {
        "page": page, "unread_only": unread_only, "query": "unread=1" if unread_only else "",
        "unread": unread_count(request.user)})


@require_POST
@login_required
def read(request, pk):
    """Mark one message read; with ?go=1 continue to the message's link (a local path only)."""
    notification = get_object_or_404(inbox(request.user), pk=pk)
    services.mark_read(request.user, [notification.pk])
    link = notification.link
    if request.POST.get("go") and link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notifications:index")


@require_POST
@login_required
def read_all(request):
    marked = services.mark_read(request.user)
    messages.success(request, f"已将 {marked} 条消息标为已读。")
    return redirect("notifications:index")
