from django.urls import path

from privacy import views

urlpatterns = [
    path("", views.privacy_page, name="privacy-page"),
    path("hent-mine-data/", views.export, name="privacy-export"),
    path("hent-mine-data/<str:token>/", views.export_download, name="privacy-export-download"),
    path("slet-min-konto/", views.delete_account, name="privacy-delete"),
    path("slet-min-konto/bestilt/", views.delete_requested, name="privacy-delete-requested"),
    path("samtykker/", views.consent_list, name="privacy-consents"),
    path(
        "samtykker/<int:consent_id>/traek-tilbage/",
        views.consent_withdraw,
        name="privacy-consent-withdraw",
    ),
]
