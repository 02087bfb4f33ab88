from django.urls import path

from marshrut.notify import views

app_name = "notify"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("settings/", views.preferences, name="preferences"),
    path("telegram/code/", views.telegram_code, name="telegram_code"),
    path("telegram/unlink/", views.telegram_unlink, name="telegram_unlink"),
    path("telegram/webhook/", views.telegram_webhook, name="telegram_webhook"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("announce/", views.announce, name="announce"),
]
