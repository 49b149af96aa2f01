"""Open cases: what the table finds that is still to be fixed, with whose module it is and the fix.

Each entry is a case id, the backends it fails on ("*": all), the owner and the fix needed.
The tests are strict xfails there, so a fix turns them red until its entry is removed here.
"""

from __future__ import annotations

OPEN: dict[str, tuple[str, str, str]] = {
}
