from django.urls import path

from directory import views

urlpatterns = [
    path("", views.directory_home, name="directory-home"),
    path("kalender/", views.calendar, name="directory-calendar"),
    path("soegning.ics", views.search_ics, name="directory-search-ics"),
    path("<int:entry_id>/", views.entry_detail, name="directory-entry"),
    path("<int:entry_id>/udskriv/", views.entry_print, name="directory-entry-print"),
    path("<int:entry_id>/kalender.ics", views.entry_ics, name="directory-entry-ics"),
    path("favoritter/", views.favourites, name="directory-favourites"),
    path("favoritter/udskriv/", views.favourites_print, name="directory-favourites-print"),
    path("favoritter/<int:entry_id>/gem/", views.favourite_add, name="directory-favourite-add"),
    path(
        "favoritter/<int:entry_id>/fjern/",
        views.favourite_remove,
        name="directory-favourite-remove",
    ),
    path("liste/<str:token>/", views.shared_list, name="directory-shared-list"),
    # "Tal med en fællesskabskoordinator" (directory-coordinator-request) and the
    # other working pages are in directory.staff_urls, included first.
]

# Under /groups/: a group's administrators list it (or a sub-group) in the directory.
group_urlpatterns = [
    path(
        "<slug:group_slug>/faellesskaber/",
        views.group_listing,
        name="directory-group-listing",
    ),
]
