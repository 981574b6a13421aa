"""The widget in Firefox too (Debian's Firefox ESR, driven over WebDriver BiDi by puppeteer-core in
tests/browser/firefox/chat.mjs): chat, a quick reply, the history after a reload, a hostile reply that
must not run. Chromium covers everything else (test_widget_*.py); Safari is not available here."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

DRIVER = Path(__file__).parent / "firefox"
FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")


def test_the_widget_chats_in_firefox(hub, rasa, tmp_path):
    assert FIREFOX and (DRIVER / "node_modules").is_dir(), "Firefox or puppeteer-core missing: run `make browser`"
    run = subprocess.run(["node", str(DRIVER / "chat.mjs"), hub.url], capture_output=True, text=True, timeout=180,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CAREBOT_FIREFOX": FIREFOX})
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["userAgent"].startswith("firefox/")
    assert seen["quickReplies"] == ["Track my order", "Start a return", "Coffee Club"]
    assert seen["xssRan"] is False and seen["injectedElements"] == 0
    # Each bubble starts with a screen-reader label, "You said: ".
    assert seen["historyAfterReload"] == ["You said: hello", "You said: Track my order", "You said: xss please"]
    assert rasa.messages == ["hello", "/order_status", "xss please"]  # the reload resent nothing
