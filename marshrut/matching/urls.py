from django.urls import path

from marshrut.matching import views

app_name = "matching"
urlpatterns = [
    path("", views.index, name="index"),
    path("submissions/<int:pk>/partners/", views.partners, name="partners"),
    path("campaigns/<int:pk>/sessions/", views.grouping, name="grouping"),
    path("campaigns/<int:pk>/assignment/", views.assignment, name="assignment"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("campaigns/<int:pk>/whatif/", views.whatif, name="whatif"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/delete/", views.plan_delete, name="plan_delete"),
]
