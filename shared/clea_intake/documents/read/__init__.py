"""Field readers: one module per document family, and the person, date, option and label readers they share."""

from __future__ import annotations

from typing import Any

# What a reader returns: field name to value read, None when not read (values are read, never guessed).
Fields = dict[str, Any]
