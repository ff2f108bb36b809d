"""The jobs process: ``python -m jobs`` runs the scheduler beside the web server.

``schedule.py`` is its table (defaults merged with the portal's overrides),
``process.py`` the scheduler with the queued-runs poller, ``__main__.py`` the command
line (``python -m jobs [run NAME | list]``). The jobs themselves live in the portal:
``portal/jobs/registry.py``.
"""
