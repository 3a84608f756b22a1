"""Unit tests for reading the Authentication-Results header written by SES."""

from __future__ import annotations

from clea_intake.mail.authresults import parse_authentication_results

SES_REAL = (
    "amazonses.com;\r\n spf=pass (spfCheck: domain of formation.fr designates 192.0.2.1 as permitted sender;"
    " really) client-ip=192.0.2.1; envelope-from=x@formation.fr; helo=mx.formation.fr;\r\n"
    " dkim=fail header.i=@relay.example;\r\n dkim=pass header.i=@formation.fr;\r\n"
    " dmarc=pass header.from=Formation.FR;"
)


def test_parse_authentication_results_ses_header_all_methods_read():
    # Given a folded SES header with a comment holding a semicolon and two DKIM signatures
    # When it is parsed
    results = parse_authentication_results(SES_REAL)

    # Then each method's result is read, one passing DKIM signature is enough, header.from is normalised
    assert (results.authserv_id, results.spf, results.dkim, results.dmarc) == (
        "amazonses.com",
        "pass",
        "pass",
        "pass",
    )
    assert results.dmarc_header_from == "formation.fr"
    assert results.dkim_domains == ["formation.fr"]


def test_parse_authentication_results_untrusted_authserv_ignored():
    # Given a header written by another server
    results = parse_authentication_results("mx.evil.example; dmarc=pass header.from=formation.fr")

    # Then its results do not count
    assert (results.authserv_id, results.dmarc, results.dmarc_header_from) == (
        "mx.evil.example",
        "none",
        None,
    )


def test_parse_authentication_results_absent_or_none_gives_none():
    # Given no header, or SES saying nothing was checked
    # Then every result is "none"
    assert parse_authentication_results(None).dmarc == "none"
    assert parse_authentication_results("amazonses.com; none").spf == "none"
