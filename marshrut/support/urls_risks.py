from django.urls import path

from marshrut.support import views_risks

urlpatterns = [
    path("risks/", views_risks.overview, name="risks"),
    path("risks/school/<int:pk>/", views_risks.school, name="risk_school"),
    path("risks/models/", views_risks.models_list, name="risk_models"),
    path("risks/models/<int:pk>/", views_risks.model_detail, name="risk_model"),
]
