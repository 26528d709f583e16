"""Debian's Chromium, as the browser tests and `make screenshots` launch it.

Never `playwright install`: it downloads a browser build, which cannot work
here. The background-networking flags stop Chromium from calling hosts this
machine cannot reach.
"""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
