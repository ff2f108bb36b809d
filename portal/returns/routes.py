"""Import every module that adds routes to the ``returns`` blueprint (the app factory
imports this before registering it)."""

# One line per screen module, e.g.:
# from portal.returns import views  # noqa: F401
