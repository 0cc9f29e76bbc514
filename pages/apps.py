from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = _("Sider")

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added, authenticator_removed

        from pages import two_factor

        def forget(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
            # The person is let through (or stopped) on their very next page.
            if user is not None:
                two_factor.forget(user.pk)

        authenticator_added.connect(forget, weak=False, dispatch_uid="pages-2fa-added")
        authenticator_removed.connect(forget, weak=False, dispatch_uid="pages-2fa-removed")
