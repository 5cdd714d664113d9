"""Allow ``python -m distretti_survey``."""

from distretti_survey.cli import main

raise SystemExit(main())
