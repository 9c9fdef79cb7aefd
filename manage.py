#!/usr/bin/env python
"""Django's command-line utility; a bad setting ends in one line, not a stack trace."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
    from governance.bootstrap import run_management_command

    sys.exit(run_management_command(sys.argv))


if __name__ == "__main__":
    main()
