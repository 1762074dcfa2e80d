"""Conformance suite: Mercado Pago's published examples against the emulator and
the client (issue #14). Every example names its public source; see
docs/mercado-pago-api.md for the project's reading of those sources."""
