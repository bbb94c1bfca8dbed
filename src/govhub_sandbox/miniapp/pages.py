"""The mini-app's pages, in Vietnamese. Every value is HTML-escaped; no inline script or
style, so the Content-Security-Policy can forbid both."""

from __future__ import annotations

from html import escape
from typing import Any

from govhub_sandbox.miniapp.hub import HubError

TITLE = "Tra cứu thửa đất"
# Communes of the province whose cadastral maps the land registry holds (2025 codes).
COMMUNES = (("32002", "Phường An Xuyên"), ("32025", "Phường Tân Thành"),
            ("32095", "Xã Trần Văn Thời"), ("32152", "Xã Đầm Dơi"))
CSS = """body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f7f9}
header{background:#0b5394;color:#fff;padding:.75rem 1rem;display:flex;flex-wrap:wrap;
justify-content:space-between;align-items:center;gap:.5rem}
header h1{font-size:1.2rem;margin:0}header form{margin:0}
main{max-width:48rem;margin:0 auto;padding:1rem}
label{display:block;margin:.5rem 0 .2rem;font-weight:600}
input,select,button{font:inherit;padding:.45rem;min-height:44px;box-sizing:border-box}
input,select{width:100%}button,.button{background:#0b5394;color:#fff;border:0;
border-radius:4px;padding:.5rem 1rem;cursor:pointer;text-decoration:none;display:inline-block}
header button{background:#fff;color:#0b5394}
.error{background:#fdecea;border-left:4px solid #b3261e;padding:.75rem;margin:1rem 0}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #d0d4da;
padding:.4rem;text-align:left}small{color:#555}
"""


def _layout(body: str, *, person_html: str = "") -> str:
    return (f'<!doctype html><html lang="vi"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{TITLE}</title><link rel="stylesheet" href="/style.css"></head>'
            f'<body><header><h1>{TITLE}</h1>{person_html}</header><main>{body}</main>'
            f'</body></html>')


def _person(name: str, csrf: str) -> str:
    return (f'<div data-signed-in><span>Xin chào, <strong data-person>{escape(name)}'
            f'</strong></span> <form method="post" action="/dang-xuat">'
            f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
            f'<button type="submit">Đăng xuất</button></form></div>')


def _error(error: HubError) -> str:
    reference = (f'<br><small>Mã yêu cầu: {escape(error.request_id)}</small>'
                 if error.request_id else "")
    return f'<div class="error" role="alert" data-error>{escape(error.message)}{reference}</div>'



def _form(values: dict[str, str]) -> str:
    options = "".join(
        f'<option value="{code}"{" selected" if values.get("commune") == code else ""}>'
        f'{escape(name)} ({code})</option>' for code, name in COMMUNES)
    return (f'<form method="get" action="/" data-search>'
            f'<label for="commune">Xã, phường</label>'
            f'<select id="commune" name="commune">{options}</select>'
            f'<label for="sheet">Số tờ</label><input id="sheet" name="sheet" '
            f'inputmode="numeric" value="{escape(values.get("sheet", ""))}">'
            f'<label for="parcel">Số thửa</label><input id="parcel" name="parcel" '
            f'inputmode="numeric" value="{escape(values.get("parcel", ""))}">'
            f'<p><button type="submit">Tra cứu</button></p></form>')


def _results(data: dict[str, Any]) -> str:
    parcels = data.get("parcels") or []
    if not parcels:
        return '<p data-results="0">Không có thửa đất nào khớp với thông tin đã nhập.</p>'
    rows = "".join(
        f'<tr><td><a href="/thua-dat/{escape(str(p["parcel_id"]))}">'
        f'{escape(str(p["parcel_id"]))}</a></td><td>{escape(str(p["commune"]["name"]))}</td>'
        f'<td>{escape(str(p["map_sheet"]))}</td><td>{escape(str(p["parcel_number"]))}</td>'
        f'<td>{escape(str(p["area_m2"]))}</td><td>{escape(str(p["address"]))}</td></tr>'
        for p in parcels)
    return (f'<p data-results="{len(parcels)}">Tìm thấy {len(parcels)} thửa đất.</p>'
            f'<table><thead><tr><th>Mã thửa</th><th>Xã, phường</th><th>Số tờ</th>'
            f'<th>Số thửa</th><th>Diện tích (m²)</th><th>Địa chỉ</th></tr></thead>'
            f'<tbody>{rows}</tbody></table>')


def search_page(*, name: str, csrf: str, values: dict[str, str],
                data: dict[str, Any] | None, error: HubError | None) -> str:
    body = _form(values)
    if error is not None:
        body += _error(error)
    elif data is not None:
        body += _results(data)
    return _layout(body, person_html=_person(name, csrf))


def parcel_page(*, name: str, csrf: str, data: dict[str, Any] | None,
                error: HubError | None) -> str:
    if error is not None or data is None:
        body = _error(error) if error else ""
    else:
        uses = "".join(f'<li>{escape(str(u["name"]))} ({escape(str(u["code"]))}): '
                       f'{escape(str(u["area_m2"]))} m²</li>' for u in data.get("land_uses", []))
        certificate = data.get("certificate") or {}
        body = (f'<h2>Thửa đất {escape(str(data["parcel_id"]))}</h2><dl>'
                f'<dt>Địa chỉ</dt><dd>{escape(str(data["address"]))}, '
                f'{escape(str(data["commune"]["name"]))}</dd>'
                f'<dt>Số tờ / Số thửa</dt><dd>{escape(str(data["map_sheet"]))} / '
                f'{escape(str(data["parcel_number"]))}</dd>'
                f'<dt>Diện tích</dt><dd>{escape(str(data["area_m2"]))} m²</dd>'
                f'<dt>Mục đích sử dụng</dt><dd><ul>{uses}</ul></dd>'
                f'<dt>Giấy chứng nhận</dt><dd>{escape(str(certificate.get("number", "Chưa cấp")))}'
                f'</dd><dt>Quy hoạch</dt><dd>{escape(str(data.get("planning_notes", "")))}</dd>'
                f'</dl>')
    return _layout(f'{body}<p><a href="/">← Tra cứu khác</a></p>',
                   person_html=_person(name, csrf))


def signed_out_page() -> str:
    return _layout('<div data-signed-out><p>Bạn chưa đăng nhập hoặc đã đăng xuất.</p>'
                   '<p>Đăng nhập bằng tài khoản Chính quyền số Cà Mau để tra cứu thửa đất.</p>'
                   '<p><a class="button" href="/dang-nhap">Đăng nhập</a></p></div>')


def problem_page(message: str) -> str:
    return _layout(f'<div class="error" role="alert">{escape(message)}</div>'
                   f'<p><a class="button" href="/dang-nhap">Đăng nhập lại</a></p>')
