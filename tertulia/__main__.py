"""The `tertulia` console script: Django's management commands under our name."""

import os
import sys


def main() -> None:
    """Run a management command, e.g. `tertulia migrate` or `tertulia serve`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tertulia.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tertulia", *sys.argv[1:]])


if __name__ == "__main__":
    main()
