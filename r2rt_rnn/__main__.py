import sys

from .runtime import interrupts

interrupts.install()  # before anything else is imported: from here on a Ctrl-C is a request, never lost

from .cli import main  # noqa: E402 - after the handler, on purpose

sys.exit(main())
