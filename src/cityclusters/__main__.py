import sys

from cityclusters.publishing.cli import main

sys.exit(main())
