from django.urls import path

from insights import report_views, views

# Below /groups/ (sammen/urls.py includes them with the group's URLs).
group_urlpatterns: list = [
    path("<slug:group_slug>/indsigt/", views.dashboard, name="insights"),
    path("<slug:group_slug>/indsigt/csv/<str:table>/", views.dashboard_csv, name="insights-csv"),
    path("<slug:group_slug>/indsigt/mangler-svar/", views.radar, name="insights-radar"),
    path(
        "<slug:group_slug>/indsigt/indstillinger/", views.insight_settings, name="insights-settings"
    ),
]

# Ugens tal
group_urlpatterns += [
    path(
        "<slug:group_slug>/indsigt/ugens-tal/",
        report_views.weekly_report_toggle,
        name="insights-weekly-report",
    ),
    path(
        "<slug:group_slug>/indsigt/ugens-tal/afmeld/<str:token>/",
        report_views.weekly_report_unsubscribe,
        name="insights-weekly-report-unsubscribe",
    ),
]
