from django.urls import path

from insights import report_views, views, who5_views

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

# WHO-5: the member's own check-ins (insights/who5_views.py). No URL shows
# anyone's answers to anyone else.
group_urlpatterns += [
    path("<slug:group_slug>/trivsel/", who5_views.who5_start, name="who5-start"),
    path("<slug:group_slug>/trivsel/samtykke/", who5_views.who5_consent, name="who5-consent"),
    path("<slug:group_slug>/trivsel/spoergsmaal/", who5_views.who5_question, name="who5-question"),
    path("<slug:group_slug>/trivsel/resultat/", who5_views.who5_result, name="who5-result"),
    path("<slug:group_slug>/trivsel/mine-svar/", who5_views.who5_mine, name="who5-mine"),
    path(
        "<slug:group_slug>/trivsel/traek-tilbage/",
        who5_views.who5_withdraw,
        name="who5-withdraw",
    ),
]
