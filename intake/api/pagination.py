"""The matter list's pages. Counting millions of matters would cost more than the page itself, so the
count stops at `intake.selectors.COUNT_CAP` (`case_page`): the answer is DRF's count, next, previous
and results, with count_capped (more than count), page, num_pages and page_size beside them."""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

from intake import selectors
from intake.models import Case


class CappedCountPagination(BasePagination):
    """The page and its size are those of the view's validated query (`view.query`, checked with the
    filters in one 400); a page past the last is the last."""

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Case]:
        self.request = request
        self.page = selectors.case_page(queryset, page=view.query["page"], page_size=view.query["page_size"],
                                        count=selectors.case_list_count(actor=request.user, filters=view.filters))
        return self.page.rows

    def get_paginated_response(self, data: Any) -> Response:
        page = self.page
        return Response({
            "count": page.count,
            "count_capped": page.count_capped,
            "page": page.number,
            "num_pages": page.num_pages,
            "page_size": page.page_size,
            "next": self._page_url(page.number + 1 if page.has_next else None),
            "previous": self._page_url(page.number - 1 if page.has_previous else None),
            "results": data,
        })

    def _page_url(self, number: int | None) -> str | None:
        """This request's address with another page (the other parameters kept in their order)."""
        if number is None:
            return None
        query = self.request.query_params.copy()
        query["page"] = str(number)
        return self.request.build_absolute_uri(f"{self.request.path}?{query.urlencode()}")
