"""The text and HTML parts of an e-mail, rendered from the same notice so that they say the same thing."""

from __future__ import annotations

import re
from html import escape

from clea_intake.letters.content import Facts, Heading, Item, Items, Notice, Paragraph
from clea_intake.letters.region import DIRECTION, REGION_NAME

_ACCENT = "#00557f"
_FONT = "Arial,Helvetica,sans-serif"
_AMOUNT = re.compile(r"(\d[\d ]*,\d\d €)")


def _item_text(item: Item) -> str:
    text = f"{item.label}{item.joiner}{item.text}" if item.label else item.text
    return f"{text} (motif : {item.code})" if item.code else text


def render_text(notice: Notice, reference: str) -> str:
    lines = [REGION_NAME, DIRECTION, f"Dossier {reference}", "", notice.greeting, ""]
    for block in notice.blocks:
        match block:
            case Paragraph(text=text):
                lines += [text, ""]
            case Heading(text=text):
                lines += [text.upper(), ""]
            case Items(items=items):
                lines += [f"  - {_item_text(item)}" for item in items] + [""]
            case Facts(rows=rows):
                lines += [f"  {label} : {value}" for label, value in rows] + [""]
    lines += list(notice.closing)
    if notice.footer:
        lines += ["", "-- ", *notice.footer]
    return "\n".join(lines) + "\n"


def _text(value: str) -> str:
    """Escaped text in which an amount never breaks between its figures and its euro sign."""
    return _AMOUNT.sub(r'<span style="white-space:nowrap;">\1</span>', escape(value))


def _html_block(block: Paragraph | Heading | Items | Facts) -> str:
    # Every caller value passes through escape() here and nowhere else: the one place to audit.
    match block:
        case Paragraph(text=text, strong=strong):
            weight = "font-weight:bold;" if strong else ""
            return f'<p style="margin:0 0 14px 0;{weight}">{_text(text)}</p>'
        case Heading(text=text):
            return f'<h2 style="margin:22px 0 10px 0;font-size:16px;color:{_ACCENT};">{escape(text)}</h2>'
        case Items(items=items):
            rows = []
            for item in items:
                label = f"<strong>{escape(item.label)}</strong>{escape(item.joiner)}" if item.label else ""
                code = (
                    f' <span style="color:#555555;white-space:nowrap;">(motif : '
                    f'<code style="font-size:13px;">{escape(item.code)}</code>)</span>'
                    if item.code
                    else ""
                )
                rows.append(f'<li style="margin:0 0 6px 0;">{label}{_text(item.text)}{code}</li>')
            return f'<ul style="margin:0 0 14px 0;padding-left:22px;">{"".join(rows)}</ul>'
        case Facts(rows=rows):
            cells = "".join(
                f'<tr><td style="padding:4px 12px 4px 0;color:#555555;vertical-align:top;">{escape(label)}</td>'
                f'<td style="padding:4px 0;font-weight:bold;vertical-align:top;">{escape(value)}</td></tr>'
                for label, value in rows
            )
            return (
                f'<table role="presentation" style="border-collapse:collapse;margin:0 0 16px 0;'
                f'background:#f3f6f8;border-left:4px solid {_ACCENT};width:100%;">'
                f'<tr><td style="padding:10px 14px;"><table role="presentation" '
                f'style="border-collapse:collapse;font-size:14px;">{cells}</table></td></tr></table>'
            )
    raise TypeError(f"unknown block {block!r}")


def render_html(notice: Notice, reference: str, subject: str) -> str:
    body = "".join(_html_block(block) for block in notice.blocks)
    closing = "<br>".join(escape(line) for line in notice.closing)
    footer = "<br>".join(escape(line) for line in notice.footer)
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head>"
        f'<body style="margin:0;padding:0;background:#eef1f4;">'
        f'<table role="presentation" width="100%" style="border-collapse:collapse;background:#eef1f4;">'
        f'<tr><td align="center" style="padding:24px 12px;">'
        f'<table role="presentation" width="600" style="border-collapse:collapse;max-width:600px;width:100%;'
        f'background:#ffffff;font-family:{_FONT};font-size:15px;line-height:1.5;color:#1d1d1b;">'
        f'<tr><td style="background:{_ACCENT};color:#ffffff;padding:16px 24px;">'
        f'<div style="font-size:18px;font-weight:bold;">{escape(REGION_NAME)}</div>'
        f'<div style="font-size:13px;">{escape(DIRECTION)}</div></td></tr>'
        f'<tr><td style="padding:8px 24px;background:#f3f6f8;font-size:13px;color:#555555;">'
        f"Dossier <strong>{escape(reference)}</strong></td></tr>"
        f'<tr><td style="padding:24px;">'
        f'<p style="margin:0 0 14px 0;">{escape(notice.greeting)}</p>{body}'
        f'<p style="margin:20px 0 0 0;">{closing}</p></td></tr>'
        f'<tr><td style="padding:12px 24px;border-top:1px solid #d9dee3;font-size:12px;color:#555555;">'
        f"{footer}</td></tr>"
        "</table></td></tr></table></body></html>"
    )
