"""``python -m govhub_sandbox.land --host 127.0.0.1 --port 8094 [--faults JSON]``"""

import sys

from govhub_sandbox.upstreams import LAND, run_one

if __name__ == "__main__":
    sys.exit(run_one(LAND))
