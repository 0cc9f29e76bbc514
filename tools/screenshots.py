#!/usr/bin/env python3
"""Write docs/screenshots/{home,group,feed,post,public-face}.png from the seeded demo community.

Runs tests/browser/test_screenshots.py (pytest-django's live server on a throw-away
test database, seeded with `seed_demo`, in Debian's Chromium with a 1280x900 window;
group.png, feed.png and post.png are taller cuts of the page) with
SAMMEN_SCREENSHOTS=1. Usage, from the repository root:

    .venv/bin/python tools/screenshots.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    env = {**os.environ, "SAMMEN_SCREENSHOTS": "1"}
    cmd = [sys.executable, "-m", "pytest", "-q", "tests/browser/test_screenshots.py", *sys.argv[1:]]
    result = subprocess.run(cmd, cwd=ROOT, env=env, check=False)  # noqa: S603
    if result.returncode == 0:
        for png in sorted((ROOT / "docs" / "screenshots").glob("*.png")):
            print(png.relative_to(ROOT))
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
