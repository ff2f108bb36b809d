"""Page-number pagination over peewee queries, with links that keep the filters."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import request, url_for
from peewee import fn


@dataclass
class Page:
    items: list
    number: int
    per_page: int
    total: int
    # Where the page links lead: the list's endpoint and filters. Unset, they lead to the
    # current request's URL (fine for a GET; a POST's answer names its list).
    endpoint: str | None = None
    args: dict = field(default_factory=dict)

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
        """The list's URL with ``page`` replaced, other query arguments kept."""
        if self.endpoint:
            return url_for(self.endpoint, **{**self.args, "page": number})
        args = request.args.to_dict()
        args["page"] = number
        return url_for(request.endpoint, **(request.view_args or {}), **args)


def count_up_to(query, cap: int) -> int:
    """Rows of ``query`` counted up to ``cap`` (cap + 1 means "more than cap"): an exact
    total of millions of rows costs a full scan, a capped one stops early."""
    model = query.model
    limited = query.order_by().limit(cap + 1)
    return model.select(fn.COUNT(1)).from_(limited.alias("capped")).scalar()


def paginate(query, per_page: int = 25, number: object = None, endpoint: str | None = None,
             args: dict | None = None) -> Page:
    """That page of ``query``: ``number`` or else ``?page=`` (bad values mean page 1);
    ``endpoint`` and ``args`` say where its links lead (see ``Page``)."""
    try:
        number = max(1, int(number if number not in (None, "") else request.args.get("page", 1)))
    except ValueError:
        number = 1
    total = query.count()
    last = max(1, -(-total // per_page))
    number = min(number, last)
    items = list(query.paginate(number, per_page))
    return Page(items, number, per_page, total, endpoint, {k: v for k, v in (args or {}).items()
                                                          if v not in (None, "")})
