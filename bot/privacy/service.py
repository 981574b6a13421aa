"""Export, erasure and the retention purge of customers' data (GDPR Art. 15 and 17), across every store:
the hub database (each table as its owner declared it), Rasa's tracker store and the CRM's free text.
Every export and erasure is written to the audit log. docs/privacy.md, "Export and erasure"."""
from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.conversations.store import Store
from bot.crm.interface import normalize_email
from bot.crm.personal import case_texts, erase_case_texts, references_in
from bot.privacy.audit import ERASE, EXPORT, PURGE, AuditLog
from bot.privacy.records import Records, Subject, plain
from bot.privacy.trackers import RasaTrackers

log = logging.getLogger(__name__)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class UnknownSubject(LookupError):
    """No conversation with this id, or an e-mail address that is not an address."""


@dataclass(frozen=True)
class Request:
    """One export or erasure request: whose data, and how the audit log names it."""

    subject: Subject
    by: str  # "conversation" | "email"
    label: str  # the conversation id, or the e-mail's keyed hash
    customer: dict[str, Any] | None = None  # the CRM's card for a request by e-mail

    def describe(self) -> dict[str, Any]:
        return {"by": self.by, "subject": self.label, "conversations": sorted(self.subject.conversation_ids),
                "crm_customers": sorted(self.subject.customer_ids)}


class PrivacyService:
    def __init__(self, *, store: Store, records: Records, audit: AuditLog, trackers: RasaTrackers | None = None,
                 crm: Any = None, retention_days: float | None = None) -> None:
        self.store, self.records, self.audit, self.trackers, self.crm = store, records, audit, trackers, crm
        self.retention_days = retention_days

    # -- who ----------------------------------------------------------------------------------------------
    def for_conversation(self, conversation_id: str) -> Request:
        known = self.store.conversation_exists(conversation_id) or bool(
            self.trackers and self.trackers.has(conversation_id))  # a hub purged or lost, Rasa's events kept
        if not known:
            raise UnknownSubject(f"no conversation with id {conversation_id!r}")
        return Request(Subject(frozenset([conversation_id])), "conversation", conversation_id)

    def for_email(self, email: str) -> Request:
        """Every conversation of this address: those linked to its CRM customer (verified on the web or
        on a channel, outreach), those where a customer typed it, those whose Rasa tracker holds it."""
        address = normalize_email(email)
        if address is None or not EMAIL.fullmatch(address):
            raise UnknownSubject(f"not an e-mail address: {email!r}")
        customer = self.crm.find_customer(email=address) if self.crm is not None else None
        customers = frozenset([customer.customer_id] if customer is not None else [])
        conversations = self.records.conversations_of_customers(customers) | self.store.conversations_mentioning(address)
        if self.trackers is not None:
            conversations |= self.trackers.senders_mentioning(address)
        card = {k: plain(v) for k, v in dataclasses.asdict(customer).items()} if customer is not None else None
        return Request(Subject(frozenset(conversations), customers), "email", self.audit.subject_of_email(address), card)

    # -- what ---------------------------------------------------------------------------------------------
    def _references(self, request: Request) -> set[str]:
        return references_in(text for cid in request.subject.conversation_ids for text in self.store.texts(cid))

    def export(self, request: Request, *, actor: str) -> dict[str, Any]:
        ids = sorted(request.subject.conversation_ids)
        found: dict[str, Any] = {"request": request.describe(),
                                 "hub_database": self.records.export(request.subject)}
        if self.trackers is not None:
            found["rasa_tracker_store"] = self.trackers.export(ids)
        if self.crm is not None:
            found["crm"] = {"customer": request.customer,
                            "case_texts": case_texts(self.crm, customer_ids=request.subject.customer_ids,
                                                     references=self._references(request))}
        self.audit.record(actor, EXPORT, conversation_ids=ids, subject=request.label,
                          detail={"by": request.by, "rows": {t: len(r) for t, r in found["hub_database"].items()}})
        return found

    def erase(self, request: Request, *, actor: str) -> dict[str, Any]:
        """Remove the subject's rows everywhere; what was removed from where."""
        ids = sorted(request.subject.conversation_ids)
        references = self._references(request) if self.crm is not None else set()
        removed: dict[str, Any] = {"hub_database": self.records.erase(request.subject)}
        if self.trackers is not None:
            removed["rasa_tracker_store"] = {"events": self.trackers.erase(ids)}
        if self.crm is not None:
            removed["crm"] = erase_case_texts(self.crm, customer_ids=request.subject.customer_ids, references=references)
        self.audit.record(actor, ERASE, conversation_ids=ids, subject=request.label,
                          detail={"by": request.by, "removed": removed})
        log.info("personal data erased", extra={"event": "privacy_erased", "by": request.by,
                                                "conversations": len(ids), "actor": actor})
        return {"request": request.describe(), "removed": removed}

    def purge(self, now: datetime, *, actor: str, dry_run: bool = False) -> dict[str, Any]:
        """Conversations idle for longer than the client's retention period lose their words: messages,
        Rasa's events, notes and comments go; the statistics rows stay (docs/privacy.md)."""
        if not self.retention_days:
            return {"retention_days": None, "conversations": [], "purged": False}
        cutoff = now - timedelta(days=self.retention_days)
        ids = self.store.idle_since(cutoff)
        result: dict[str, Any] = {"retention_days": self.retention_days, "cutoff": cutoff.isoformat(),
                                  "conversations": ids, "purged": not dry_run}
        if dry_run or not ids:
            return result
        result["hub_database"] = self.records.purge(ids)
        if self.trackers is not None:
            result["rasa_tracker_store"] = {"deleted": {"events": self.trackers.erase(ids)}}
        self.audit.record(actor, PURGE, conversation_ids=ids,
                          detail={"retention_days": self.retention_days, "cutoff": cutoff.isoformat()})
        return result


def retention_days_of(client: Any) -> float | None:
    """client.yml `privacy: retention_days:` (None: transcripts are kept until erased). ValueError when
    it is not a positive number."""
    section = (client or {}).get("privacy") or {}
    value = section.get("retention_days") if isinstance(section, dict) else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"privacy: retention_days must be a positive number of days, not {value!r}")
    return float(value)
