"""Entry point of the pre-render step: ``python -m analysis``."""

from .pipeline import main

raise SystemExit(main())
