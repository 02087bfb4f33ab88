from django.urls import path

from marshrut.matching import views

app_name = "matching"
urlpatterns = [
    path("", views.index, name="index"),
    path("submissions/<int:pk>/partners/", views.partners, name="partners"),
    path("campaigns/<int:pk>/sessions/", views.grouping, name="grouping"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/delete/", views.plan_delete, name="plan_delete"),
]
