"""`python -m flows.cli ...`: the same as `govreports ...`."""
import sys

from flows.cli.main import main

sys.exit(main())
