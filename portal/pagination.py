"""Page-number pagination over peewee queries, with links that keep the filters."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from peewee import fn


@dataclass
class Page:
    items: list
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def url(self, number: int) -> str:
        """The current URL with ``page`` replaced, other query arguments kept."""
        args = request.args.to_dict()
        args["page"] = number
        return url_for(request.endpoint, **(request.view_args or {}), **args)


def count_up_to(query, cap: int) -> int:
    """Rows of ``query`` counted up to ``cap`` (cap + 1 means "more than cap"): an exact
    total of millions of rows costs a full scan, a capped one stops early."""
    model = query.model
    limited = query.order_by().limit(cap + 1)
    return model.select(fn.COUNT(1)).from_(limited.alias("capped")).scalar()


def paginate(query, per_page: int = 25) -> Page:
    """Read ``?page=`` (bad values mean page 1) and return that page of ``query``."""
    try:
        number = max(1, int(request.args.get("page", 1)))
    except ValueError:
        number = 1
    total = query.count()
    last = max(1, -(-total // per_page))
    number = min(number, last)
    items = list(query.paginate(number, per_page))
    return Page(items, number, per_page, total)
