"""``python -m govhub_sandbox.population --host 127.0.0.1 --port 8093 [--faults JSON]``"""

import sys

from govhub_sandbox.upstreams import POPULATION, run_one

if __name__ == "__main__":
    sys.exit(run_one(POPULATION))
