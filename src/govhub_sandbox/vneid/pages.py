"""The HTML pages a citizen sees: the login page, error pages, the logout page.

Vietnamese first, accessible: ``lang="vi"``, a label for every control, radio groups in a
fieldset with a legend, errors summarised at the top (role="alert") and repeated next to the
field they concern, typed values kept.
"""

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape

from govhub_sandbox.vneid.config import Citizen, RegisteredClient

TITLE = "Đăng nhập bằng VNeID (môi trường thử nghiệm)"

SCOPE_DESCRIPTIONS = {
    "openid": "mã người dùng (sub) dành cho ứng dụng",
    "profile": "họ và tên, ngày sinh, giới tính",
    "vneid": "số định danh cá nhân, số điện thoại, mức độ định danh",
}

_STYLE = """
body{font-family:system-ui,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1b1b1b;
 background:#f4f6f8;line-height:1.5}
.banner{background:#fff3cd;border-bottom:2px solid #b58100;padding:.6rem 1rem}
main{max-width:42rem;margin:1.5rem auto;background:#fff;padding:1.5rem;border-radius:8px;
 box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{color:#a50e0e;font-size:1.5rem;margin-top:0}
fieldset{border:1px solid #c4c9cf;border-radius:6px;margin:0 0 1rem;padding:.5rem 1rem}
legend{font-weight:600;padding:0 .3rem}
.choice{display:flex;gap:.6rem;align-items:flex-start;padding:.45rem 0;
 border-bottom:1px solid #eef0f2}
.choice:last-child{border-bottom:0}
.choice input{margin-top:.35rem;width:1.15rem;height:1.15rem}
.meta{display:block;color:#4a4f55;font-size:.92rem}
.field{margin-bottom:1rem}
.field label{display:block;font-weight:600}
.field input,.field select{font:inherit;padding:.4rem;width:100%;max-width:20rem;
 border:1px solid #6b7178;border-radius:4px}
.hint{color:#4a4f55;font-size:.9rem;margin:.1rem 0}
.error{color:#b00020;font-weight:600;margin:.2rem 0}
[aria-invalid=true]{border:2px solid #b00020!important}
.error-summary{border:3px solid #b00020;padding:.5rem 1rem;margin-bottom:1rem}
.error-summary a{color:#b00020}
button{font:inherit;padding:.55rem 1.2rem;border-radius:4px;border:2px solid #a50e0e;
 background:#a50e0e;color:#fff;cursor:pointer;margin:.2rem .4rem .2rem 0}
button.secondary{background:#fff;color:#a50e0e}
button:focus-visible,input:focus-visible,select:focus-visible,a:focus-visible{
 outline:3px solid #1f6feb;outline-offset:2px}
"""


def level_label(level: int) -> str:
    return f"Mức độ {level}"


def format_date(value: date) -> str:
    # Vietnamese practice: dates are shown dd/mm/yyyy.
    return value.strftime("%d/%m/%Y")


def _layout(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<div class="banner" role="note"><strong>Môi trường thử nghiệm.</strong> Đây không phải VNeID
thật của Bộ Công an; chỉ dùng dữ liệu thử nghiệm, không nhập thông tin thật.</div>
<main>
{body}
</main>
</body>
</html>
"""


def error_page(title: str, message: str) -> str:
    return _layout(title, f"""<h1>{escape(title)}</h1>
<p role="alert">{escape(message)}</p>
<p>Vui lòng quay lại ứng dụng và thử đăng nhập lại. Nếu lỗi vẫn còn, hãy báo cho đơn vị quản
lý ứng dụng.</p>""")


def logged_out_page(message: str = "") -> str:
    extra = f'<p role="alert">{escape(message)}</p>' if message else ""
    return _layout("Đã đăng xuất", f"""<h1>Bạn đã đăng xuất khỏi VNeID (môi trường thử nghiệm)</h1>
{extra}<p>Bạn có thể đóng trang này.</p>""")


def _field(name: str, label: str, values: Mapping[str, str], errors: Mapping[str, str], *,
           hint: str = "", attrs: str = "") -> str:
    described = " ".join(x for x in (hint and f"{name}-hint", name in errors and f"{name}-error")
                         if x)
    return f"""<div class="field">
<label for="{name}">{escape(label)}</label>
{f'<p class="hint" id="{name}-hint">{escape(hint)}</p>' if hint else ""}
{f'<p class="error" id="{name}-error">{escape(errors[name])}</p>' if name in errors else ""}
<input id="{name}" name="{name}" value="{escape(values.get(name, ""))}" autocomplete="off" {attrs}
{f'aria-describedby="{described}"' if described else ""}
{'aria-invalid="true"' if name in errors else ""}>
</div>"""


def _level_select(values: Mapping[str, str], errors: Mapping[str, str]) -> str:
    chosen = values.get("level", "2")
    options = "".join(
        f'<option value="{level}"{" selected" if str(level) == chosen else ""}>'
        f"{level_label(level)}</option>" for level in (1, 2))
    error = (f'<p class="error" id="level-error">{escape(errors["level"])}</p>'
             if "level" in errors else "")
    return f"""<div class="field">
<label for="level">Mức độ định danh điện tử</label>
<p class="hint" id="level-hint">Mức độ 2 tương đương xuất trình thẻ căn cước gắn chip
(Nghị định 69/2024/NĐ-CP).</p>
{error}<select id="level" name="level" aria-describedby="level-hint">{options}</select>
</div>"""


def _citizen_choice(citizen: Citizen, chosen: str) -> str:
    number = escape(citizen.so_dinh_danh)
    checked = " checked" if citizen.so_dinh_danh == chosen else ""
    return f"""<div class="choice">
<input type="radio" name="citizen" id="citizen-{number}" value="{number}" required{checked}>
<label for="citizen-{number}"><strong>{escape(citizen.ho_va_ten)}</strong>
<span class="meta">Số định danh {number} · Ngày sinh {format_date(citizen.ngay_sinh)} ·
{escape(citizen.gioi_tinh)} · {level_label(citizen.level)}</span></label>
</div>"""


def login_page(*, client: RegisteredClient, scopes: Sequence[str], transaction_id: str,
               citizens: Sequence[Citizen], signed_in: Citizen | None,
               values: Mapping[str, str], errors: Mapping[str, str]) -> str:
    tx = f'<input type="hidden" name="tx" value="{escape(transaction_id)}">'
    shared = "; ".join(SCOPE_DESCRIPTIONS[s] for s in scopes if s in SCOPE_DESCRIPTIONS)
    summary = ""
    if errors:
        items = "".join(f'<li><a href="#{escape(name)}">{escape(message)}</a></li>'
                        for name, message in errors.items())
        summary = f"""<div class="error-summary" role="alert" tabindex="-1">
<h2>Thông tin chưa hợp lệ</h2><ul>{items}</ul></div>"""
    continue_form = ""
    if signed_in is not None:
        continue_form = f"""<form method="post" action="/authorize">{tx}
<p>Bạn đang đăng nhập với tên <strong>{escape(signed_in.ho_va_ten)}</strong>.</p>
<button type="submit" name="action" value="continue">Tiếp tục với
{escape(signed_in.ho_va_ten)}</button></form>"""
    choices = "".join(_citizen_choice(c, values.get("citizen", "")) for c in citizens)
    citizen_error = (f'<p class="error" id="citizen-error">{escape(errors["citizen"])}</p>'
                     if "citizen" in errors else "")
    return _layout(TITLE, f"""<h1>{TITLE}</h1>
{summary}
<p><strong>{escape(client.display_name)}</strong> đề nghị bạn đăng nhập bằng tài khoản định danh
điện tử. Ứng dụng sẽ nhận: {escape(shared)}.</p>
{continue_form}
<form method="post" action="/authorize">{tx}
<fieldset id="citizen"{' aria-describedby="citizen-error"' if "citizen" in errors else ""}>
<legend>Chọn công dân thử nghiệm</legend>
{citizen_error}{choices}
</fieldset>
<button type="submit" name="action" value="login">Đăng nhập</button>
<button type="submit" name="action" value="deny" class="secondary" formnovalidate>Từ chối</button>
</form>
<h2>Hoặc nhập công dân khác</h2>
<form method="post" action="/authorize">{tx}
{_field("so_dinh_danh", "Số định danh cá nhân", values, errors,
        hint="12 chữ số; 3 số đầu là mã tỉnh đăng ký khai sinh (Cà Mau: 096).",
        attrs='inputmode="numeric" pattern="[0-9]{12}" maxlength="12" required')}
{_field("ho_va_ten", "Họ và tên", values, errors, attrs='maxlength="100" required')}
{_field("ngay_sinh", "Ngày sinh", values, errors, attrs='type="date" required')}
{_field("so_dien_thoai", "Số điện thoại (không bắt buộc)", values, errors,
        hint="10 chữ số, bắt đầu bằng 0.",
        attrs='type="tel" inputmode="numeric" pattern="0[0-9]{9}" maxlength="10"')}
{_level_select(values, errors)}
<button type="submit" name="action" value="custom">Đăng nhập với thông tin này</button>
</form>""")
