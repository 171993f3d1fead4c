"""``python -m formarche.billing.simulate``."""

import sys

from formarche.billing.simulate import main

sys.exit(main())
