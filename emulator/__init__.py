"""A local stand-in for Mercado Pago's in-store QR APIs (attended model).

Pure Python (stdlib, plus `qrcode` for QR images). It shares no code with the
addon's client package on purpose: a mistake in one must not hide in the other.

    from emulator import EmulatorServer
    srv = EmulatorServer(port=0).start()
    account = srv.create_account("MLA", webhook_url="http://127.0.0.1:9/hook")
    ...
    srv.stop()

See emulator/README.md for every route and knob.
"""

from .server import EmulatorServer

__all__ = ["EmulatorServer"]
