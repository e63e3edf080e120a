import signal
import sys

from .cli import main

code = main()
# The command is over: a Ctrl-C while Python tears TensorFlow down must not turn its result into a signal death.
signal.signal(signal.SIGINT, signal.SIG_IGN)
sys.exit(code)
