import sys

from netsh.cli import main

sys.exit(main())
