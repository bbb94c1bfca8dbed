"""The outbox page: what the sandbox gateway "sent", the latest messages per phone, in
Vietnamese. It reloads itself every few seconds (and has a link to reload at once), so a
demo audience can read the code arriving as if on a phone."""

from datetime import datetime, timedelta, timezone
from html import escape

from govhub_sandbox.sms.store import Message

REFRESH_SECONDS = 5
# Asia/Ho_Chi_Minh, UTC+7 all year (no daylight saving), dates dd/mm/yyyy.
VIETNAM = timezone(timedelta(hours=7), "ICT")

_STYLE = """
body{font-family:system-ui,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1b1b1b;
 background:#f4f6f8;line-height:1.5}
.banner{background:#fff3cd;border-bottom:2px solid #b58100;padding:.6rem 1rem}
main{max-width:48rem;margin:1.5rem auto;padding:0 1rem}
h1{color:#a50e0e;font-size:1.5rem}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15);
 padding:1rem 1.25rem;margin-bottom:1rem}
h2{font-size:1.15rem;margin:0 0 .5rem}
ol{list-style:none;margin:0;padding:0}
li{border-top:1px solid #eef0f2;padding:.5rem 0}
.text{font-size:1.05rem;white-space:pre-wrap;word-break:break-word}
.meta{color:#4a4f55;font-size:.9rem}
a:focus-visible{outline:3px solid #1f6feb;outline-offset:2px}
"""


def local_time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, VIETNAM).strftime("%H:%M:%S %d/%m/%Y")


def national(phone: str) -> str:
    """84912345678 → 0912 345 678, as people write it."""
    digits = "0" + phone[2:]
    return f"{digits[:4]} {digits[4:7]} {digits[7:]}"


def _message(message: Message) -> str:
    return f"""<li>
<div class="text">{escape(message.message)}</div>
<div class="meta">Từ <strong>{escape(message.brandname)}</strong> ·
<time datetime="{datetime.fromtimestamp(message.received_at, VIETNAM).isoformat()}">\
{local_time(message.received_at)}</time> · {message.segments} tin ({escape(message.encoding)}) ·
mã tin {escape(message.message_id[:12])}</div>
</li>"""


def outbox_page(groups: list[tuple[str, list[Message]]], total: int) -> str:
    if groups:
        body = "\n".join(
            f"""<section aria-labelledby="p{phone}">
<h2 id="p{phone}">Số điện thoại {escape(national(phone))}</h2>
<ol>{"".join(_message(m) for m in messages)}</ol>
</section>""" for phone, messages in groups)
    else:
        body = "<section><p>Chưa có tin nhắn nào.</p></section>"
    return f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<meta http-equiv="refresh" content="{REFRESH_SECONDS}">
<title>Hộp thư đi SMS (môi trường thử nghiệm)</title>
<style>{_STYLE}</style>
</head>
<body>
<div class="banner" role="note"><strong>Môi trường thử nghiệm.</strong> Đây không phải cổng
SMS thật: tin nhắn không được gửi tới điện thoại nào, chỉ hiển thị tại đây.</div>
<main>
<h1>Hộp thư đi SMS</h1>
<p>{total} tin nhắn, mới nhất ở trên; trang tự tải lại sau mỗi {REFRESH_SECONDS} giây.
<a href="/">Tải lại ngay</a></p>
{body}
</main>
</body>
</html>
"""
