"""The ``returns`` blueprint (/returns/): returns, the counter return, transfers,
replenishment and restock rules. Each screen's module adds its routes to ``bp``;
``routes.py`` imports them all."""

from flask import Blueprint

bp = Blueprint("returns", __name__, url_prefix="/returns")
