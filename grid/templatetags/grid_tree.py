"""The grid tree drawn in Python (`{% grid_tree roots %}`): a district's tree is hundreds of nodes, and a
recursive `{% include %}` per node with its translations and `{% url %}` was most of the page's time
(85 ms of CPU per view at 263 nodes). The same markup, every text escaped (`governance.rows_html`)."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from governance.models import Grid
from governance.rows_html import choice_labels, url_for
from grid.tree_selectors import TreeNode

register = template.Library()


@register.simple_tag
def grid_tree(roots: list[TreeNode]) -> SafeString:
    """The nested `<li>` of `roots` (open) and their descendants (closed), as `grid/tree.html` lists them."""
    grid_url = url_for("grid:grid")
    levels = choice_labels(Grid, "level")
    counts = escape(gettext("网格员 %(w)s · 居民 %(r)s · 在办 %(o)s"))
    overdue = escape(gettext("超期 %(n)s"))
    population = escape(gettext("人口不在 500–1000"))  # outside the f-string: makemessages reads it there
    flagged = f' · <span class="badge text-bg-warning">{population}</span>'
    parts: list[str] = []

    def node_html(node: TreeNode, opened: bool) -> None:
        grid = node.grid
        parts.append(f'<li data-tree-grid="{escape(grid.code)}">\n')
        if node.children:
            parts.append(f"<details{' open' if opened else ''}><summary>")
        figures = counts % {"w": node.workers, "r": node.residents, "o": node.open_cases}
        late = f' · <span class="text-danger">{overdue % {"n": node.overdue}}</span>' if node.overdue else ""
        parts.append(f'\n<a href="{grid_url(grid.pk)}">{escape(grid.name)}</a>\n'
                     f'<span class="small text-muted">{levels.get(grid.level, escape(grid.level))} · {figures}{late}'
                     f'{flagged if node.flagged else ""}</span>\n')
        if node.children:
            parts.append('</summary><ul class="grid-tree">')
            for child in node.children:
                node_html(child, False)
            parts.append("</ul></details>")
        parts.append("</li>\n")

    for root in roots:
        node_html(root, True)
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
