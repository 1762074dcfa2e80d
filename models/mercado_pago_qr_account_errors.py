"""Mercado Pago's refusals, as messages an administrator can act on."""

import logging
from contextlib import contextmanager

from odoo import models
from odoo.exceptions import UserError

from ..mercado_pago.errors import (
    AuthenticationError,
    MercadoPagoError,
    NotFoundError,
    RateLimitedError,
    UnavailableError,
)
from ..mercado_pago.errors import ValidationError as MpValidationError

_logger = logging.getLogger(__name__)


class MercadoPagoQrAccount(models.Model):
    _inherit = "mercado.pago.qr.account"

    @contextmanager
    def _mp_errors(self, what):
        """Mercado Pago errors as UserError; `what` names the thing being done
        ("the store Centro"). No message carries the token: the client scrubs
        Mercado Pago's text."""
        try:
            yield
        except MercadoPagoError as error:
            raise UserError(self._mp_error_message(what, error)) from None

    def _mp_error_message(self, what, error):
        if isinstance(error, AuthenticationError):
            return self.env._(
                "Mercado Pago rejected the credentials of the account %(account)s "
                "while saving %(what)s. Check the access token (and that it "
                "belongs to the %(environment)s environment). Mercado Pago said: "
                "%(message)s",
                account=self.name,
                what=what,
                environment=self.environment,
                message=error.message or error.code or error.status,
            )
        if isinstance(error, MpValidationError):
            return self._validation_message(what, error)
        if isinstance(error, NotFoundError):
            return self.env._(
                "Mercado Pago does not know %(what)s (it may have been deleted "
                "there, or created with another account). Mercado Pago said: "
                "%(message)s",
                what=what,
                message=error.message or error.code,
            )
        if isinstance(error, (UnavailableError, RateLimitedError)):
            _logger.warning("Mercado Pago unreachable for %s: %s", what, error)
            return self.env._(
                "Mercado Pago is unreachable right now, so %(what)s was not "
                "saved there. Nothing was half-done: try again in a moment.",
                what=what,
            )
        return self.env._(
            "Mercado Pago refused %(what)s: %(message)s",
            what=what,
            message=error.message or error.code,
        )

    def _validation_message(self, what, error):
        coordinates = self.env._("the coordinates are outside the account's country")
        hints = {
            "name": self.env._("the name is not accepted (at most 45 characters)"),
            "location": self.env._("the address is incomplete"),
            "location.street_name": self.env._("street name not accepted"),
            "location.street_number": self.env._("street number not accepted"),
            "location.city_name": self.env._("city name not recognised for this state"),
            "location.state_name": self.env._(
                "state name not recognised for this country"
            ),
            "location.latitude": coordinates,
            "location.longitude": coordinates,
            "business_hours": self.env._(
                "business hours not accepted (HH:MM, at most 4 ranges a day)"
            ),
            "category": self.env._("category not valid for this country"),
            "external_id": self.env._(
                "external id not accepted (letters and digits only)"
            ),
            "external_store_id": self.env._("the store is not known to Mercado Pago"),
        }
        field = error.field or ""
        hint = hints.get(field)
        if hint is None and "coordinates" in (error.message or "").lower():
            hint = coordinates
        return self.env._(
            "Mercado Pago refused %(what)s: %(hint)s. (Mercado Pago field: %(field)s, "
            "code: %(code)s)",
            what=what,
            hint=hint or error.message or error.code or "",
            field=field or "-",
            code=error.code or "-",
        )
