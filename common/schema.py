"""OpenAPI generation: every operation documents the errors it can answer, in DRF's bodies."""

from __future__ import annotations

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.openapi import AutoSchema

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# 400: `{"field": ["message", ...]}` (nested for nested fields) or `{"detail": "message"}`.
_BAD_REQUEST = {
    "type": "object",
    "description": "Field errors `{field: [messages]}`, or `{detail: message}`.",
    "additionalProperties": {},
}
_ERRORS = {
    "400": (_BAD_REQUEST, "Invalid input."),
    "401": (_DETAIL, "Bad or missing credentials where they are required."),
    "403": (_DETAIL, "Not allowed (e.g. CSRF failed for a session write, or not staff)."),
    "404": (_DETAIL, "No such object, or someone else's private one."),
    "405": (_DETAIL, "Method not allowed."),
    "413": (_DETAIL, "The request body is larger than this endpoint accepts."),
    "415": (_DETAIL, "Unsupported media type."),
    "429": (_DETAIL, "Throttled, or too many videos in progress."),
    "503": (_DETAIL, "The database is briefly unavailable (writes of dreams still succeed)."),
}


class DreamJourneyAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, (schema, description) in _ERRORS.items():
            if code in ("413", "415") and self.method not in ("POST", "PUT", "PATCH"):
                continue
            if code not in responses:
                body = self._get_response_for_code(schema, code, direction=direction)
                responses[code] = {**body, "description": description}
        return responses


class HeaderFirstSessionScheme(SessionScheme):
    """The OpenAPI description of ``common.csrf.HeaderFirstSessionAuthentication``: a session."""

    target_class = "common.csrf.HeaderFirstSessionAuthentication"
