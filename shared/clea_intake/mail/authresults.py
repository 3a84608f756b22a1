"""Reading the Authentication-Results header (RFC 8601) that the receiving server writes."""

from __future__ import annotations

import re

from pydantic import BaseModel

# SES writes its results under this authserv-id; a header with another id was written by someone else
# (possibly the sender, to fake a pass) and is ignored.
SES_AUTHSERV_ID = "amazonses.com"

_COMMENT = re.compile(r"\([^()]*\)")
_METHOD = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*(?:/\s*\d+\s*)?=\s*([A-Za-z0-9_-]+)")
_PROPERTY = re.compile(r"([A-Za-z0-9_-]+\.[A-Za-z0-9_.-]+)\s*=\s*(\"[^\"]*\"|[^\s;]+)")


class AuthResults(BaseModel):
    """What the trusted receiving server concluded about the sender (results lower case, "none" if absent)."""

    authserv_id: str | None = None
    spf: str = "none"
    dkim: str = "none"
    dmarc: str = "none"
    dmarc_header_from: str | None = None
    dkim_domains: list[str] = []


def _strip_comments(value: str) -> str:
    # Comments nest, so peel the innermost ones until none is left.
    previous = None
    while previous != value:
        previous, value = value, _COMMENT.sub(" ", value)
    return value


def parse_authentication_results(
    value: str | None, *, trusted_authserv_ids: tuple[str, ...] = (SES_AUTHSERV_ID,)
) -> AuthResults:
    """Parse one Authentication-Results value; results from an untrusted authserv-id are dropped."""
    if not value:
        return AuthResults()
    segments = _strip_comments(value).split(";")
    authserv = segments[0].strip().split()
    authserv_id = authserv[0].lower().rstrip(".") if authserv else None
    if authserv_id not in {t.lower() for t in trusted_authserv_ids}:
        return AuthResults(authserv_id=authserv_id)
    results: dict[str, str] = {}
    header_from: str | None = None
    dkim_pass = False
    dkim_domains: list[str] = []
    for segment in segments[1:]:
        match = _METHOD.match(segment)
        if not match:
            continue
        method, result = match.group(1).lower(), match.group(2).lower()
        props = {k.lower(): v.strip('"') for k, v in _PROPERTY.findall(segment[match.end() :])}
        if method == "dkim":
            # Several signatures give several dkim= results: one valid signature is enough.
            dkim_pass = dkim_pass or result == "pass"
            results.setdefault("dkim", result)
            domain = props.get("header.d") or props.get("header.i", "").rpartition("@")[2]
            if result == "pass" and domain:
                dkim_domains.append(domain.lower())
        elif method not in results:
            results[method] = result
            if method == "dmarc" and props.get("header.from"):
                header_from = props["header.from"].rpartition("@")[2].lower().rstrip(".")
    if dkim_pass:
        results["dkim"] = "pass"
    return AuthResults(
        authserv_id=authserv_id,
        spf=results.get("spf", "none"),
        dkim=results.get("dkim", "none"),
        dmarc=results.get("dmarc", "none"),
        dmarc_header_from=header_from,
        dkim_domains=dkim_domains,
    )
