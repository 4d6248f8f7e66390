"""Structured request logs, and the client's real address behind proxies.

Each request is logged once, as one JSON object on one line (method, path,
status, duration, user, client address), so that logs can be searched and
aggregated without parsing free text.
"""

import json
import logging
import time

from django.conf import settings

request_log = logging.getLogger("corpus.requests")


def client_ip(request):
    """The client's address: REMOTE_ADDR, or, behind DJANGO_TRUSTED_PROXY_COUNT
    proxies, the X-Forwarded-For entry the outermost trusted proxy added.
    Entries further left are client-supplied and never trusted."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        fields = {
            "method": request.method,
            "path": request.path,
            "query": request.META.get("QUERY_STRING", "")[:500],
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - start) * 1000, 1),
            "client_ip": client_ip(request),
            "user": user.get_username() if user is not None and user.is_authenticated else None,
        }
        # Server-Timing lets a browser's developer tools and the benchmark read
        # the server's own time, without the network.
        response.headers.setdefault("Server-Timing", f"app;dur={fields['duration_ms']}")
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        request_log.log(level, "%s %s %s", request.method, request.path, response.status_code, extra={"fields": fields})
        return response
