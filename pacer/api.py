"""The REST API (OpenAPI at ``/api/docs``): every domain's router, authenticated by
personal tokens and gated per operation (``pacer.core.permissions.endpoint``).

Every 4xx under ``/api/`` answers one JSON shape, ``{"detail": ..., "errors": {field:
reason}}`` (``pacer.core.api_schema.ErrorOut``; ``docs/api-errors.md``): refused input
from the schemas and from the actions, an unknown token, a role without the permission,
an unknown thing, path or method, an unparseable or oversized body.
"""

import re
from functools import wraps

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpResponseNotAllowed
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError, ValidationErrorContext
from ninja.renderers import JSONRenderer

from pacer.analytics.clv import CLVError
from pacer.analytics.experiments import ExperimentError
from pacer.analytics.journeys import JourneyError
from pacer.core.api_auth import PersonalToken
from pacer.core.domains import collect
from pacer.core.errors import NotFound, ValidationFailed
from pacer.core.permissions import allows

FIELD_MESSAGE = re.compile(r"^([A-Za-z_][\w.\[\], ]*?): (.+)$", re.DOTALL)


class StrictJSON(JSONRenderer):
    """JSON that refuses NaN and Infinity (a schema should have made them null)."""

    json_dumps_params = {"allow_nan": False}


def field_path(parts) -> str:
    """``("rows", 3, "amount")`` as ``"rows[3].amount"``."""
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def _reason(error: dict) -> str:
    """Pydantic's message, naming the refused choice for an enum."""
    if error["type"] in ("literal_error", "enum"):
        shown = str(error["input"])
        shown = shown if len(shown) <= 40 else shown[:40] + "…"
        return f"'{shown}' is not one of {error['ctx']['expected']}"
    return error["msg"].removeprefix("Value error, ")


class PacerAPI(NinjaAPI):
    def error(self, request, status: int, errors: dict[str, str], **headers):
        """The one error body: every field and its reason, and them in one line."""
        detail = "; ".join(f"{field}: {reason}" for field, reason in errors.items())
        body = {"detail": detail, "errors": errors}
        response = self.create_response(request, body, status=status)
        for name, value in headers.items():
            response[name.replace("_", "-")] = value
        return response

    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext]
    ) -> ValidationError:
        """Each refused value under its path: a query or path parameter by its name, a
        body value by its path inside the JSON body (``rows[3].amount``; ``body`` for the
        body as a whole). A model's own check names its field in its message
        (``ValueError("weights: need one weight per arm")``)."""
        errors = {}
        for context in error_contexts:
            model = context.model
            body_name = getattr(model, "__read_from_single_attr__", None)
            for error in context.pydantic_validation_error.errors(include_url=False):
                loc = model.__ninja_flatten_map_reverse__.get(error["loc"], error["loc"])
                if body_name and loc[:1] == (body_name,):
                    loc = loc[1:]
                reason = _reason(error)
                named = FIELD_MESSAGE.match(reason) if error["type"] == "value_error" else None
                if named and named[1].isidentifier():  # a model's own check names its field
                    loc, reason = (*loc, named[1]), named[2]
                errors.setdefault(field_path(loc) or model.__ninja_param_source__, reason)
        return ValidationError([{"field": field, "reason": r} for field, r in errors.items()])

    def get_openapi_schema(self, **kwargs):
        """Ninja's document, less the list of examples it copies onto each parameter
        (OpenAPI wants a map there); the parameter's schema keeps them."""
        document = super().get_openapi_schema(**kwargs)
        for operations in document["paths"].values():
            for operation in operations.values():
                for parameter in operation.get("parameters", []):
                    if isinstance(parameter.get("examples"), list):
                        del parameter["examples"]
        return document

    def _get_urls(self):
        """The operations, each answering an unknown method in the error shape, then a
        catch-all answering any other path under ``/api/`` the same way."""
        patterns = super()._get_urls()
        for pattern in patterns:
            pattern.callback = self._json_method_not_allowed(pattern.callback)
        return [*patterns, re_path(r"^.*$", csrf_exempt(self._no_such_path))]

    def _json_method_not_allowed(self, view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if isinstance(response, HttpResponseNotAllowed):
                allowed = ", ".join(sorted(response["Allow"].split(", ")))
                reason = f"{request.method} is not allowed here; use {allowed}"
                return self.error(request, 405, {"method": reason}, Allow=allowed)
            return response

        return wrapper

    def _no_such_path(self, request):
        return self.error(request, 404, {"path": f"no API operation at {request.path}"})


class PacerSwagger(Swagger):
    """Ninja's vendored Swagger UI, with a viewport and Pacer's override CSS
    (``web/api-docs.css``: controls big enough to tap at a phone's width)."""

    template = "web/api_docs.html"


api = PacerAPI(
    title="Pacer API",
    docs=PacerSwagger(),
    version="1",
    auth=PersonalToken(),
    urls_namespace="api",
    renderer=StrictJSON(),
)


@api.exception_handler(ValidationFailed)
def validation_failed(request, error: ValidationFailed):
    """Refused input: 422 with every field and its reason; nothing was written."""
    return api.error(request, 422, error.errors)


@api.exception_handler(ValidationError)
def refused_by_schema(request, error: ValidationError):
    return api.error(request, 422, {e["field"]: e["reason"] for e in error.errors})


@api.exception_handler(NotFound)
def not_found(request, error: NotFound):
    return api.error(request, 404, error.errors)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, error: AuthenticationError):
    reason = (
        "is not an active personal token of a member of a workspace"
        if request.headers.get("Authorization")
        else "send a personal token as 'Authorization: Bearer <token>'"
    )
    return api.error(request, 401, {"authorization": reason}, WWW_Authenticate="Bearer")


@api.exception_handler(HttpError)
def http_error(request, error: HttpError):
    """``HttpError(status, "field: reason")``; ninja's own (an unparseable body) too."""
    match = FIELD_MESSAGE.match(error.message)
    if match:
        errors = {match[1]: match[2]}
    elif error.status_code == 400:
        errors = {"body": "is not valid JSON"}
    else:
        errors = {"request": error.message}
    return api.error(request, error.status_code, errors)


@api.exception_handler(RequestDataTooBig)
def too_big(request, error: RequestDataTooBig):
    return api.error(request, 413, {"body": "is larger than this server accepts"})


@api.exception_handler(SuspiciousOperation)
def suspicious(request, error: SuspiciousOperation):
    return api.error(request, 400, {"request": str(error)})


@api.exception_handler(CLVError)
@api.exception_handler(ExperimentError)
@api.exception_handler(JourneyError)
def analysis_refused(request, error: ValueError):
    """An analysis refused its input ("field: reason"): 422."""
    match = FIELD_MESSAGE.match(str(error))
    return api.error(request, 422, {match[1]: match[2]} if match else {"input": str(error)})


for _prefix, _router in collect("api"):
    api.add_router(_prefix, _router)


def _gate_operations() -> None:
    """Every operation checks its permission with the token, and names it in the OpenAPI
    document (``x-permission``); one without ``@endpoint`` stops the API from loading."""
    for bound in api._get_bound_routers():
        for path, view in bound.path_operations.items():
            for operation in view.operations:
                permission = getattr(operation.view_func, "permission", None)
                if permission is None:
                    raise RuntimeError(f"{bound.prefix}{path}: not gated by @endpoint")
                allows(None, permission)  # an undeclared permission fails here, not later
                operation.auth_callbacks = [PersonalToken(permission)]
                operation.openapi_extra = {
                    **(operation.openapi_extra or {}),
                    "x-permission": permission,
                }


_gate_operations()
