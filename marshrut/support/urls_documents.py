"""URLs of the ШНОР documents (included by ``support.urls``)."""

from django.urls import path

from marshrut.lib import files
from marshrut.support import views_documents as views

urlpatterns = [
    path("documents/", views.region_documents, name="documents"),
    path("documents/school/<int:pk>/", views.school_documents, name="school_documents"),
    path("documents/school/<int:pk>/package.docx", views.package_docx, name="package_docx"),
    path(
        "documents/municipality/<int:pk>/",
        views.municipality_documents,
        name="municipality_documents",
    ),
    path("documents/<int:pk>/", views.document_detail, name="document_detail"),
    path("documents/<int:pk>/submit/", views.document_submit, name="document_submit"),
    path("documents/<int:pk>/review/", views.document_review, name="document_review"),
    path(
        "documents/version/<int:pk>/file/",
        files.download,
        {"resolve": views.version_file},
        name="document_file",
    ),
]
