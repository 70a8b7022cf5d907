"""The collective app's operations, one module per concern; the public ones are re-exported here."""

from collective.services.events import *  # noqa: F403 - the one module, until it is split
from collective.services.events import _append_event, _Line  # noqa: F401 - read by collective.imports
