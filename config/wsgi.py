import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# The URLs (and with them the API, its routers and schemas) import here rather than on the
# first request, so that gunicorn's master (preload_app) forks workers that have them.
# Importing opens no database connection for a fork to share.
import config.urls  # noqa: E402, F401
