"""``python -m govhub_sandbox.tourism --host 127.0.0.1 --port 8097 [--faults JSON]``"""

import sys

from govhub_sandbox.upstreams import TOURISM, run_one

if __name__ == "__main__":
    sys.exit(run_one(TOURISM))
