"""Sending finished response models as they are.

An endpoint that returns a pydantic model has it dumped, validated again against `response_model` and
encoded by FastAPI; the hot read endpoints build their model once (already valid) and send its JSON through
`json_response`, keeping `response_model=` on the route for the OpenAPI schema.
"""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import Response


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")
