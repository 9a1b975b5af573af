"""Settings of the worker and probe processes that tests start (tests/processes.py).

The suite's own, but for the time a fetch may take: those tests hold pages
back until they choose to answer, and the worker must still be waiting.
"""

from tests.settings import *  # noqa: F403

IMPORT_TIMEOUT = 120.0
