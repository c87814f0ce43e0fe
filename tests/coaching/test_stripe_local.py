"""`make stripe-local`: the suite's Stripe server on a fixed port, for trying payments in
`make run` without a Stripe account."""

import json
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_says_how_to_start_the_site_with_it_answers_the_api_and_stops_on_sigterm():
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - this interpreter, the suite's own module
        [sys.executable, "-m", "tests.stripe_server", "--port", str(port)],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline()
        request = urllib.request.Request(  # noqa: S310 - 127.0.0.1
            f"http://127.0.0.1:{port}/v1/checkout/sessions",
            data=(
                b"mode=payment&success_url=http://127.0.0.1:8000/ok&line_items[0][quantity]=1"
                b"&line_items[0][price_data][currency]=gbp"
                b"&line_items[0][price_data][unit_amount]=4900"
                b"&line_items[0][price_data][product_data][name]=Course"
            ),
            headers={"Authorization": "Bearer sk_test_local"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            session = json.load(response)
        process.send_signal(signal.SIGTERM)
        rest = process.stdout.read()
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()

    assert first.startswith(f"A local stand-in for Stripe is answering on http://127.0.0.1:{port}")
    assert (
        f"STRIPE_API_BASE=http://127.0.0.1:{port} STRIPE_SECRET_KEY=sk_test_local "
        "STRIPE_WEBHOOK_SECRET=whsec_local make run"
    ) in rest
    assert session["url"] == f"http://127.0.0.1:{port}/pay/{session['id']}"
