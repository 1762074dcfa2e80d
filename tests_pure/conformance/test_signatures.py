"""x-signature vectors (issue #14 item 2).

The documentation's manifest uses data.id lowercased; every official SDK signs it
as received (and says Mercado Pago does). A signature matching either manifest is
accepted; everything else is refused. The emulator signs as one of them. Vectors:
the SDK test suites (constants identical in Python, Go, PHP and Java) and the QR
notifications page; see each ``source``."""

import hashlib
import hmac

import pytest

from emulator.notifier import signature_headers
from mercado_pago.notifications import InvalidSignature, verify_signature

from .examples_notifications import (
    DATA_ID_LOW,
    QR_NOTIF,
    REQUEST_ID,
    SDK_VECTORS,
    SECRET,
    SIGNATURE_REFUSALS,
    SIGNATURE_VECTORS,
    TS,
    V1_LOWER,
)
from .helpers import ids


def _hmac(manifest):
    return hmac.new(SECRET.encode(), manifest.encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("vector", SIGNATURE_VECTORS, ids=ids(SIGNATURE_VECTORS))
def test_published_vector_is_the_hmac_of_its_manifest(vector):
    """The vector itself: v1 is HMAC-SHA256(secret, manifest) (source: ``source``)."""
    assert _hmac(vector["manifest"]) == vector["v1"]


@pytest.mark.parametrize("vector", SIGNATURE_VECTORS, ids=ids(SIGNATURE_VECTORS))
def test_emulator_signs_as_a_published_rule(vector):
    """The emulator's signature for these inputs is one a receiver following the
    docs rule (lowercase) or the SDK rule (as received) accepts. The emulator
    signs real ids only, so blank inputs are given to it as absent."""
    data_id = (vector["data_id"] or "").strip() or None
    request_id = vector["request_id"] or None
    headers = signature_headers(SECRET, data_id, request_id, TS)
    ts, v1 = (part.split("=", 1)[1] for part in headers["x-signature"].split(","))
    assert ts == TS
    tail = (f"request-id:{request_id};" if request_id else "") + f"ts:{TS};"
    accepted = {
        _hmac((f"id:{i};" if i else "") + tail)
        for i in {data_id, data_id and data_id.lower()}
    }
    assert vector["v1"] in accepted
    assert v1 in accepted


@pytest.mark.parametrize("vector", SIGNATURE_VECTORS, ids=ids(SIGNATURE_VECTORS))
def test_client_accepts_published_vector(vector):
    """The client verifies the vector with the id as the query carries it."""
    header = vector.get("header") or f"ts={TS},v1={vector['v1']}"
    verify_signature(
        header, vector["request_id"], vector["data_id"], SECRET, tolerance_seconds=None
    )


@pytest.mark.parametrize(
    "refusal", SIGNATURE_REFUSALS, ids=[r["id"] for r in SIGNATURE_REFUSALS]
)
def test_client_refuses_published_negative_vector(refusal):
    """Refused by every SDK test suite (source: SDK_VECTORS; NEG7 is the
    published header of the QR notifications page, whose secret is not
    published: well formed, so a mismatch). Client only: the emulator signs,
    it never verifies."""
    with pytest.raises(InvalidSignature) as caught:
        verify_signature(
            refusal["header"], REQUEST_ID, DATA_ID_LOW, SECRET, tolerance_seconds=None
        )
    assert caught.value.reason == refusal["reason"]
    assert SDK_VECTORS and QR_NOTIF


@pytest.mark.parametrize(
    "ts", [TS, TS[:10]], ids=["TS1-milliseconds-docs", "TS2-seconds-sdk"]
)
def test_client_accepts_ts_in_either_unit(ts):
    """The QR page says ts is in milliseconds (example 1742505638683); the
    Python, Node, PHP, Java and .NET validators read it as seconds. Both are
    accepted within the tolerance, and an old one is refused as stale."""
    manifest = f"id:{DATA_ID_LOW};request-id:{REQUEST_ID};ts:{ts};"
    header = f"ts={ts},v1={_hmac(manifest)}"
    now = int(TS) / 1000 + 60
    verify_signature(header, REQUEST_ID, DATA_ID_LOW, SECRET, now=now)
    with pytest.raises(InvalidSignature) as caught:
        verify_signature(header, REQUEST_ID, DATA_ID_LOW, SECRET, now=now + 3600)
    assert caught.value.reason == "stale"
    assert V1_LOWER
