from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.profile_edit, name="profile-edit"),
    path("log-ud-alle-steder/", views.logout_everywhere, name="logout-everywhere"),
]
