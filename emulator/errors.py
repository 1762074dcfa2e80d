"""API errors and the body styles Mercado Pago uses.

Sources: docs/mercado-pago-api.md §1.3 (error bodies), §2–§5 (stores, POS,
in-store v2, Orders API).

- "legacy" (users, merchant orders, payments):
  {"message", "error", "status", "cause": [...]}
- "catalog" (stores, POS): the legacy body plus "errorKey" (the stores and POS
  references publish error bodies as {"errorKey": "INVALID_STORE_ID"})
- "instore" (in-store orders v2): {"errorKey", "message", "status"}
- "orders" (Orders API): {"errors": [{"code", "message", "details": [...]}]}
- "emulator" (admin routes): {"error", "message"}
"""

from __future__ import annotations


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: list | None = None,
        headers: dict | None = None,
    ):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}


def error_body(style: str, err: ApiError) -> dict:
    if style == "orders":
        return {
            "errors": [
                {"code": err.code, "message": err.message, "details": err.details}
            ]
        }
    if style == "instore":
        return {"errorKey": err.code, "message": err.message, "status": err.status}
    if style == "emulator":
        return {"error": err.code, "message": err.message, "details": err.details}
    cause = err.details
    if not cause and err.status == 400:
        # Validation codes (NAME_TOO_LONG...) also go in cause[] where MP puts them.
        cause = [{"code": err.code, "description": err.message}]
    body = {
        "message": err.message,
        "error": err.code,
        "status": err.status,
        "cause": cause,
    }
    if style == "catalog":
        body["errorKey"] = err.code
    return body


# Short constructors keep the handlers readable.
def bad(code: str, message: str, details: list | None = None) -> ApiError:
    return ApiError(400, code, message, details=details)


def not_found(code: str, message: str) -> ApiError:
    return ApiError(404, code, message)


def conflict(code: str, message: str, details: list | None = None) -> ApiError:
    return ApiError(409, code, message, details=details)
