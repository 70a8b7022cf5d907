"""The land app's operations, one module per concern; the public ones are re-exported here."""

from land.services.contracts import *  # noqa: F403 - the one module, until it is split
