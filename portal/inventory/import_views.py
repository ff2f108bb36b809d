"""CSV import and export of products, locations and stock levels (managers, admins)."""

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/data")


@bp.get("/")
def index():
    """Overview of what can be imported and exported (the helper builds it out)."""
    from flask import render_template_string

    return render_template_string("{% extends 'base.html' %}{% block content %}"
                                  "<h1>{{ _('Import / export') }}</h1>{% endblock %}")
