"""`python -m deeptalk` == the `deeptalk` CLI."""

from deeptalk.cli import main

raise SystemExit(main())
