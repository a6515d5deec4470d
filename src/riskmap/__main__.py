"""Allow ``python -m riskmap``."""

from riskmap.cli import main

raise SystemExit(main())
