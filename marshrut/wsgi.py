"""WSGI entry point of the web server (``marshrut serve``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marshrut.settings")
application = get_wsgi_application()
