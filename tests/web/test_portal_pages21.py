"""What a bureau and the office read on the portal's pages (issue 21): counts that agree with the board,
titles instead of ids, 签收 only when it is asked for, hand-ins listed, long pages folded."""

from __future__ import annotations

import re

from core.performance import bureau_performance
from tests.web.conftest import Site
from web.routes.common import read_board


def board_overdue(site: Site) -> dict[str, int]:
    """Each bureau's red count as the board (``status``, the circular's ranking) tallies it."""
    _, board = read_board(site.portal)
    return {s.bureau: s.overdue for s in bureau_performance(site.portal.plan, board)}


def test_overdue_counts_agree_with_the_board_on_the_bureau_page_and_the_office_cards(site: Site) -> None:
    """A bureau whose only red steps are cases or indicator values shows 逾期 N, the board's N, on both pages."""
    expected = board_overdue(site)
    assert expected["rural"] > 0  # rural owes only cases: every one of them is red today
    page = site.login("rural").get("/").text
    assert f"逾期 {expected['rural']}" in page
    office = site.login("office").get("/").text
    cards = office[office.index("<h2>各单位</h2>"):]
    for bureau, n in expected.items():
        if bureau == "office":  # the office has its own section, not a card
            continue
        name = site.portal.plan.bureau_name(bureau)
        assert f">{name}</a>" in cards, (bureau, name)
        card = cards[cards.index(f">{name}</a>"):]
        card = card[:card.index("</article>")]
        assert (f"逾期 {n}" in card) if n else ("逾期" not in card), (bureau, n, card)
