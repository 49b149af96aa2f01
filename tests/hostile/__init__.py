"""Hostile inputs over dotkit's whole public API, each judged against what it should do.

``spec`` says what a case is and how its outcome is judged; the ``cases_*``
modules hold the table, one module per area; ``worker`` runs cases one after
another in a child interpreter, and ``runner`` drives one worker per backend,
so that a crash, a hang or a runaway allocation fails its own case and the
next case runs in a fresh worker. ``python -m hostile.runner`` (from tests/)
prints the outcome counts per module and backend.
"""
