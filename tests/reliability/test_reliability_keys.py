"""Promise: a key is decoded exactly as S3 encodes it in its events, so no piece is lost to its name."""

from __future__ import annotations

from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clea_intake.adapters.storage import decode_key

# S3 writes the object key of its event notifications form-encoded ("red flower.jpg" -> "red+flower.jpg",
# "+" -> "%2B"), slashes left as they are; the same encoding reaches us through EventBridge.
NAMES = ["passeport+recto.pdf", "carte d'identité.jpg", "RIB (1).pdf", "devis 100%.pdf", "a+b c+d.png",
         "Relevé_d'identité_bancaire~v2.pdf", "justificatif   domicile.pdf", "%41.pdf", "فاتورة.pdf"]


@pytest.mark.parametrize("name", NAMES)
def test_decode_key_s3_event_encoding_gives_the_object_key_back(name):
    # Given the key of a piece as the platform wrote it, encoded as S3's events encode it
    key = f"applications/NA-CLEA-2026-000123/documents/{name}"
    # When the event's key is decoded
    # Then it is the object's key, "+" and spaces included, with or without encoded slashes
    assert decode_key(quote_plus(key, safe="/")) == key
    assert decode_key(quote_plus(key)) == key


@given(st.text(min_size=1, max_size=200))
def test_decode_key_inverts_the_event_encoding_of_any_key(key):
    # Given any key S3 could hold, encoded as in its events
    # Then decoding gives it back exactly
    assert decode_key(quote_plus(key, safe="/")) == key


def test_decode_key_of_a_percent_encoded_space_is_a_space():
    # Given an encoder that wrote the space as %20 rather than "+"
    assert decode_key(quote("applications/X/documents/carte identité.pdf")) == "applications/X/documents/carte identité.pdf"
