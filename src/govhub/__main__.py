import sys

from govhub.cli import main

sys.exit(main(["govhub", *sys.argv[1:]]))
