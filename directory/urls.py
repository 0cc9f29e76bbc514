from django.urls import path

from directory import views

urlpatterns = [
    # D2: replace this placeholder with the real "Tal med en fællesskabskoordinator"
    # form view; every directory page links to this URL name.
    path(
        "tal-med-en-koordinator/",
        views.coordinator_request_placeholder,
        name="directory-coordinator-request",
    ),
]

# Under /groups/: a group's administrators list it in the directory.
group_urlpatterns: list = []
