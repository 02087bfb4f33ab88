"""The API object: authentication, token scopes, rate limits, JSON errors in Russian.

Authentication tries, in order, ``Authorization: Bearer <key>``, ``X-API-Key: <key>`` and the
site's session. A session writes only with its CSRF token (a browser carries the cookie to any
site's form); a token carries no ambient credential and needs none. A read-only token is refused
every write with 403 before the operation runs.

Every error is ``{"detail": "<Russian message>"}`` (422 adds ``errors`` per field, 409 what
changed), and each operation declares the statuses it may answer in the OpenAPI schema.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.security import APIKeyCookie, APIKeyHeader, HttpBearer
from ninja.throttling import SimpleRateThrottle
from ninja.utils import check_csrf

from marshrut.accounts.models import ApiToken
from marshrut.lib.client import client_address
from marshrut.lib.concurrency import StaleEdit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Ids are positive and fit a 64-bit column; text filters are short and carry no NUL (which
# PostgreSQL refuses in a string), so no parameter can reach the database malformed.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Text = Annotated[str, Field(max_length=200, pattern=r"^[^\x00]*$")]


# --- authentication ------------------------------------------------------------------------------


def _user_for_key(request: HttpRequest, key: str) -> Any:
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(key_hash=ApiToken.hash_key(key))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.read_only and request.method not in SAFE_METHODS:
        raise HttpError(403, "Токен выпущен только для чтения: изменять данные с ним нельзя.")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    request.user = token.user
    request.api_token = token  # type: ignore[attr-defined]
    return token.user


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return _user_for_key(request, token)


class HeaderToken(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _user_for_key(request, key) if key else None


class Session(APIKeyCookie):
    """The site's login: CSRF is checked only for a logged-in session (tokens need none)."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        if check_csrf(request):
            raise HttpError(
                403,
                "Запись из сессии сайта требует CSRF-токена (заголовок X-CSRFToken); "
                "программам удобнее токен API.",
            )
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user if request.user.is_authenticated else None


# --- rate limits ---------------------------------------------------------------------------------


class ApiThrottle(SimpleRateThrottle):
    """Requests per user within ``settings.API_RATE_LIMIT`` (authentication runs first, so an
    unauthenticated request is refused with 401 before it is counted; the address is a fallback).

    The rate is read from the settings on every request, so a deployment (or a test) changes it
    with a setting; an empty value switches the limit off. Counts live in the default cache,
    which the web processes of one server share.
    """

    scope = "api"

    def __init__(self) -> None:
        self.rate = None
        self.num_requests = self.duration = None

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = getattr(settings, "API_RATE_LIMIT", "") or None
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "auth", None)
        ident = f"user-{user.pk}" if user is not None else f"addr-{client_address(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class Renderer(JSONRenderer):
    # Russian text as text, not \u escapes.
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Marshrut API",
    version="1",
    description=(
        "The registry, self-assessment (campaigns, results, deficits, the path to the next "
        "level), roadmaps and their progress, events, survey results. Access is the same as on "
        "the pages. Lists take `region=<code>`: a region that is not the caller's is 404. Error "
        "messages (`detail`) are in Russian, for the people who read them. Writes to a versioned "
        "row carry its `version`; a stale one is answered with 409 and what changed. The "
        "Russian description: docs/api.md."
    ),
    auth=[BearerToken(), HeaderToken(), Session()],
    throttle=[ApiThrottle()],
    renderer=Renderer(),
    urls_namespace="api",
)


# --- errors --------------------------------------------------------------------------------------


class Error(Schema):
    detail: str


class FieldError(Schema):
    field: str
    message: str


class ValidationErrorOut(Schema):
    detail: str
    errors: list[FieldError]


class ConflictOut(Schema):
    detail: str
    version: int
    changed_by: list[str]
    changed: dict[str, str]


_ERROR_SCHEMAS: dict[int, type[Schema]] = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: ConflictOut,
    422: ValidationErrorOut,
    429: Error,
}
READ = (400, 401, 403, 404, 422, 429)
WRITE = (400, 401, 403, 404, 409, 422, 429)


# The OpenAPI description of an endpoint that answers with a file.
FILE_RESPONSE = {
    "responses": {
        200: {
            "description": "the evidence file",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        }
    }
}


def responds(ok: Any, *codes: int, status: int = 200) -> dict[int, Any]:
    """The responses of an operation: its result and the errors it may answer."""
    return {status: ok, **{code: _ERROR_SCHEMAS[code] for code in codes or READ}}


class BadRequest(HttpError):
    def __init__(self, message: str) -> None:
        super().__init__(400, message)


class Invalid(Exception):
    """Field errors found by the project's own forms (422)."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


_PYDANTIC_MESSAGES = {
    "missing": "обязательное поле",
    "int_parsing": "нужно целое число",
    "int_type": "нужно целое число",
    "float_parsing": "нужно число",
    "decimal_parsing": "нужно число",
    "bool_parsing": "нужно true или false",
    "date_from_datetime_parsing": "нужна дата ГГГГ-ММ-ДД",
    "date_parsing": "нужна дата ГГГГ-ММ-ДД",
    "string_type": "нужна строка",
    "string_too_long": "слишком длинная строка",
    "greater_than_equal": "значение меньше допустимого",
    "greater_than": "значение меньше допустимого",
    "less_than_equal": "значение больше допустимого",
    "less_than": "значение больше допустимого",
    "literal_error": "значение не из списка допустимых",
    "enum": "значение не из списка допустимых",
    "list_type": "нужен список",
    "model_attributes_type": "нужен объект JSON",
    "dict_type": "нужен объект JSON",
    "json_invalid": "тело запроса — не JSON",
    "extra_forbidden": "лишнее поле",
}


def _where(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "form")]
    return ".".join(parts) or "запрос"


def _on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
    errors = [
        {
            "field": _where(e.get("loc", ())),
            "message": _PYDANTIC_MESSAGES.get(str(e.get("type", "")), "неверное значение"),
        }
        for e in exc.errors
    ]
    return api.create_response(
        request, {"detail": "Запрос не прошёл проверку.", "errors": errors}, status=422
    )


def _on_invalid(request: HttpRequest, exc: Any) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Данные не приняты.", "errors": exc.errors}, status=422
    )


def _on_django_validation(request: HttpRequest, exc: Any) -> HttpResponse:
    errors = [
        {"field": field if field != "__all__" else "запрос", "message": str(m)}
        for field, messages in (
            exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]
        )
        for m in messages
    ]
    return api.create_response(
        request, {"detail": "Данные не приняты.", "errors": errors}, status=422
    )


def _on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
    if isinstance(exc, Throttled):
        message = "Слишком много запросов. Повторите позже (см. заголовок Retry-After)."
    elif isinstance(exc, AuthenticationError):
        message = "Нужна авторизация: токен API (Authorization: Bearer …) или вход на сайт."
    else:
        message = exc.message
    return api.create_response(request, {"detail": message}, status=exc.status_code)


def _on_404(request: HttpRequest, exc: Any) -> HttpResponse:
    return api.create_response(request, {"detail": "Не найдено или нет доступа."}, status=404)


def _on_403(request: HttpRequest, exc: Any) -> HttpResponse:
    return api.create_response(request, {"detail": "Недостаточно прав."}, status=403)


def _on_stale(request: HttpRequest, exc: Any) -> HttpResponse:
    from marshrut.lib.concurrency import conflict_for

    fields = getattr(exc, "form_fields", {})
    conflict = conflict_for(exc.current, exc.since, fields)
    return api.create_response(
        request,
        {
            "detail": conflict.message,
            "version": exc.current.version,  # type: ignore[attr-defined]
            "changed_by": conflict.who,
            "changed": conflict.values,
        },
        status=409,
    )


api.add_exception_handler(NinjaValidationError, _on_validation)
api.add_exception_handler(Invalid, _on_invalid)
api.add_exception_handler(DjangoValidationError, _on_django_validation)
api.add_exception_handler(HttpError, _on_http_error)
api.add_exception_handler(Http404, _on_404)
api.add_exception_handler(PermissionDenied, _on_403)
api.add_exception_handler(StaleEdit, _on_stale)


def form_errors(form: Any) -> Invalid:
    """A Django form's errors as the API's 422."""
    return Invalid(
        [
            {"field": field if field != "__all__" else "запрос", "message": str(m)}
            for field, messages in form.errors.items()
            for m in messages
        ]
    )
