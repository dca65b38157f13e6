"""``python -m wuyi.cli`` is the ``wuyi`` command."""

from wuyi.cli import main

main()
