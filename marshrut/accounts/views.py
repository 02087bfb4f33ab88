"""Account pages besides Django's login and password views: API tokens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from marshrut.accounts.models import ApiToken
from marshrut.audit.log import Action, record
from marshrut.lib.forms import StyledMixin


class TokenForm(StyledMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Назначение токена"), max_length=100)
    read_only = forms.BooleanField(
        label=gettext_lazy("Только чтение"),
        required=False,
        help_text=gettext_lazy("такой токен читает данные, но ничего не может изменить"),
    )


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        token, new_key = ApiToken.issue(
            user, form.cleaned_data["name"], read_only=form.cleaned_data["read_only"]
        )
        record(request.user, Action.CREATE, token, message="выпущен токен API")
        form = TokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "new_key": new_key,
            "tokens": ApiToken.objects.filter(user=user),
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    token = get_object_or_404(ApiToken.objects.active(), pk=pk, user=user)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(
        request.user,
        Action.UPDATE,
        token,
        changes={"revoked_at": [None, token.revoked_at.isoformat()]},
        message="токен API отозван",
    )
    messages.success(request, _("Токен отозван."))
    return redirect("accounts:tokens")
