"""Bodies that act on a parser as a hostile document would, for the tests of the hard limits:
a body starting STUCK never returns and ignores the timer's signal (a C loop), HOG eats memory,
DIE crashes the parser process."""
from __future__ import annotations

import faulthandler
import os
import signal
import time


def act_out(body: bytes) -> bytes:
    """What a parser loading `body` goes through; an ordinary body is returned as it is."""
    if body.startswith(b"STUCK"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(3600)
    if body.startswith(b"HOG"):
        hoard = []
        while True:
            hoard.append(b"x" * (8 << 20))  # written, so resident
            time.sleep(0.01)
    if body.startswith(b"DIE"):
        faulthandler.disable()  # a crash in C: no Python traceback in the test log
        os.kill(os.getpid(), signal.SIGSEGV)
    return body
