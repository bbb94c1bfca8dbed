"""``python -m govhub_sandbox.weather --host 127.0.0.1 --port 8096 [--faults JSON]``"""

import sys

from govhub_sandbox.upstreams import WEATHER, run_one

if __name__ == "__main__":
    sys.exit(run_one(WEATHER))
