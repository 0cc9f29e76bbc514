from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import ProfileForm
from accounts.services import sessions_end_everywhere, user_update_profile
from sammen.ratelimit import RateLimited, rate_limit


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    status = 200
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=user)
        if form.is_valid():
            avatar = form.cleaned_data.get("avatar")
            uploaded = "avatar" in request.FILES
            try:
                if uploaded:
                    rate_limit(request, "upload")
            except RateLimited as exc:
                form.add_error("avatar", exc)
                status = 429
            else:
                user_update_profile(
                    actor=user,  # type: ignore[arg-type]
                    display_name=form.cleaned_data["display_name"],
                    bio=form.cleaned_data["bio"],
                    avatar=avatar if uploaded else None,
                    remove_avatar=form.cleaned_data["remove_avatar"],
                )
                messages.success(request, _("Din profil er gemt."))
                return redirect("profile-edit")
        # The form mutated the instance while validating; re-read the saved state.
        user.refresh_from_db()  # type: ignore[union-attr]
    else:
        form = ProfileForm(instance=user)
    return render(request, "accounts/profile_edit.html", {"form": form}, status=status)


@require_POST
@login_required
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """ "Log ud på alle enheder": every session of the person ends, this one
    too, and every open live connection closes."""
    sessions_end_everywhere(actor=request.user)  # type: ignore[arg-type]
    logout(request)
    messages.success(
        request,
        _("Du er logget ud på alle enheder, også denne. Log ind igen, når du vil."),
    )
    return redirect("account_login")
