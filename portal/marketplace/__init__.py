"""The marketplace connector (issue #9): availability pushed, orders pulled.

Jobs (each takes a ``JobContext``): ``push.push`` sends the SKUs whose stock changed
since the last push, ``push.push_all`` every SKU, ``pull.pull`` places the marketplace's
new orders. ``client.py`` is the HTTP client; ``simulator.py`` and ``simulator_views.py``
are the demo marketplace under /demo (DEMO mode only).
"""
