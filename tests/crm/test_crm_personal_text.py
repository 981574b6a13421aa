"""The CRM's free text of a customer's cases, exported and erased (issue 15, bot/crm/personal.py): by the
customer (a request by e-mail) or by the case references a conversation named; the cases stay."""
from __future__ import annotations

from bot.crm.personal import ERASED, case_texts, erase_case_texts, references_in


def test_a_conversations_case_references_are_found_in_its_messages():
    texts = ["Your return is RMA-7KQ2HX, a label is on its way.", None, "dispute DSP-ABCDEF and CB-2345ZZ",
             "order A1043, RMA-0OOOOO (not a reference: 0 and O are never used)"]
    assert references_in(texts) == {"RMA-7KQ2HX", "DSP-ABCDEF", "CB-2345ZZ"}


def test_erasing_by_reference_touches_that_case_only_and_by_customer_every_case(fresh_crm):
    mine = fresh_crm.create_return("A1043", "Burr Grinder Pro", "it arrived cracked, call me on 555-0101")
    other = fresh_crm.create_return("A1043", "Ceramic Mug Set", "chipped")
    found = case_texts(fresh_crm, references=[mine.reference])
    assert found == {"crm_returns": [{"reference": mine.reference, "reason": mine.reason}],
                     "crm_tickets": [{"reference": mine.reference, "subject": found["crm_tickets"][0]["subject"]}]}
    assert "555-0101" in found["crm_tickets"][0]["subject"]

    assert erase_case_texts(fresh_crm, references=[mine.reference]) == {"crm_returns": 1, "crm_tickets": 1}
    tickets = {t.ticket_id: t for t in fresh_crm.open_tickets("C1001")}
    assert tickets[mine.reference].subject == ERASED and tickets[mine.reference].status == "open"  # the case stays
    assert "chipped" in tickets[other.reference].subject

    changed = erase_case_texts(fresh_crm, customer_ids=["C1001"])
    assert changed["crm_returns"] >= 2
    assert all(t.subject == ERASED for t in fresh_crm.open_tickets("C1001"))
    assert erase_case_texts(fresh_crm) == {}  # nothing asked, nothing touched
