"""A Django shop that receives the gateway's webhooks, in one file (settings, URL and view).

Run: python examples/python/frameworks/django_app.py (pays against the embedded sandbox and
checks its own endpoint, served by the standard library's WSGI server).
"""

from __future__ import annotations

from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import django
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shop import Server, ThreadedServer, WebhookInbox, demo

INBOX: list[WebhookInbox] = []


@csrf_exempt  # the gateway signs its deliveries; it cannot send a CSRF token
@require_POST
def webhooks(request: HttpRequest) -> HttpResponse:
    # request.body is the raw bytes; request.headers is case-insensitive.
    return HttpResponse(status=INBOX[0].receive(request.body, request.headers))


urlpatterns = [path("webhooks", webhooks)]


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(inbox: WebhookInbox) -> Server:
    INBOX[:] = [inbox]
    if not settings.configured:
        settings.configure(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["127.0.0.1"], DEBUG=False, SECRET_KEY="demo")
        django.setup()
    from django.core.wsgi import get_wsgi_application

    wsgi = get_wsgi_application()
    return ThreadedServer(
        make_server("127.0.0.1", 0, wsgi, server_class=ThreadingWSGIServer, handler_class=QuietHandler)
    )


if __name__ == "__main__":
    demo("django", serve)
