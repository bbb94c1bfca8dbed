"""``python -m govhub_sandbox.sms`` as ``govhub demo`` starts it: it says where it listens,
serves the send API and the outbox, and refuses a bad brand name at startup."""

import re
import subprocess
import sys

import requests

from tests.support.polling import eventually


def test_the_command_starts_a_gateway_and_shows_its_outbox() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "govhub_sandbox.sms", "--port", "0", "--brandname", "UBND-CM"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"outbox (http://127\.0\.0\.1:\d+)/", line)
        assert match, line
        url = match.group(1)
        eventually(lambda: requests.get(f"{url}/", timeout=2).status_code,
                   ignoring=(requests.ConnectionError,), timeout_seconds=10,
                   what="the gateway listens")
        sent = requests.post(f"{url}/api/sms/send", timeout=2, json={
            "brandname": "UBND-CM", "phone": "0912000071",
            "message": "Xin chao", "request_id": "r-1"})
        assert sent.status_code == 200, sent.text
        assert "Xin chao" in requests.get(f"{url}/", timeout=2).text
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_brandname_over_11_characters_stops_the_command() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "govhub_sandbox.sms", "--port", "0",
         "--brandname", "CAMAU-GOVHUB"], capture_output=True, text=True, timeout=30)
    assert finished.returncode == 2
    assert "CAMAU-GOVHUB" in finished.stderr
