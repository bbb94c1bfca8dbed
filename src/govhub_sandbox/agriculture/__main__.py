"""``python -m govhub_sandbox.agriculture --host 127.0.0.1 --port 8095 [--faults JSON]``"""

import sys

from govhub_sandbox.upstreams import AGRICULTURE, run_one

if __name__ == "__main__":
    sys.exit(run_one(AGRICULTURE))
