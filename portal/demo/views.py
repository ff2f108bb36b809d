"""The ``demo`` blueprint under /demo: pretend partners for trying the portal out.

``create_app`` registers it only when ``DEMO`` is on (``make run``); without it every
/demo URL is a 404. Modules add their routes to ``bp`` (the marketplace simulator:
``portal.marketplace.simulator_views``).
"""

from flask import Blueprint

bp = Blueprint("demo", __name__, url_prefix="/demo")
