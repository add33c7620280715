"""``python -m analysis`` runs every step; ``--list`` declares them to reportkit; ``--worker`` serves its build graph."""

from reportkit.stepkit import main

if __name__ == "__main__":
    raise SystemExit(main("analysis"))
