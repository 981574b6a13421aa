"""The sentences the actions send, built from CRM records and the client profile.

Plain functions with no Rasa import, so every wording is testable on its own. Dates are
in the client's timezone and relative to `now` ("today", "tomorrow", "Friday 7 March").
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from bot.client_profile import ClientProfile, add_business_days, format_clock, format_day, on_day, relative_day
from bot.crm.records import Callback, DisputeCase, Invoice, Order, ReturnCase, Shipment, Ticket
from bot.parsing import When, mask_phone

DELAY_GRACE_BUSINESS_DAYS = 2
SELF_CANCEL_MINUTES = 60
DISPUTE_REVIEW = "2 business days"


# How frustrated the customer seems (slot frustration_level, set by the hub).
CALM, ANNOYED, ANGRY = "calm", "annoyed", "angry"
TONES = (CALM, ANNOYED, ANGRY)


@dataclass(frozen=True)
class Reply:
    """A message, domain responses to send after it, and whether to offer a call back."""

    text: str
    responses: tuple[str, ...] = ()
    offer_callback: bool = False


def by_tone(tone: str | None, calm: Reply, annoyed: str, angry: str) -> Reply:
    """The reply for the customer's frustration level, like the domain's response variants:
    the annoyed and angry wordings are shorter, apologise, and are followed by the offer of a
    person (utter_offer_callback); anything but annoyed/angry gets the calm reply."""
    if tone == ANGRY:
        return Reply(angry, calm.responses, offer_callback=True)
    if tone == ANNOYED:
        return Reply(annoyed, calm.responses, offer_callback=True)
    return calm


def sorry(apology: str, rest: str, apologised: bool) -> str:
    """`apology` + `rest`, or only `rest` (capitalised) when the turn has already apologised:
    a reply never says sorry right after an apology ("I'm so sorry we sent you the wrong item")."""
    if not apologised:
        return apology + rest
    return rest[:1].upper() + rest[1:]


# ------------------------------------------------------------------ pieces
def join_words(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def items_phrase(order: Order) -> str:
    """ "Pour-Over Kettle and 2 × Coffee Beans"."""
    return join_words([line.product if line.quantity == 1 else f"{line.quantity} × {line.product}"
                       for line in order.lines])


def tracking_phrase(shipment: Shipment, profile: ClientProfile) -> str:
    """ "UPS (tracking 1Z84F2A70399271864, https://www.ups.com/track?tracknum=1Z84F2A70399271864)"."""
    url = profile.tracking_url(shipment.carrier, shipment.tracking_number)
    detail = f"tracking {shipment.tracking_number}" + (f", {url}" if url else "")
    return f"{shipment.carrier} ({detail})"


def _local_date(profile: ClientProfile, moment: datetime) -> date:
    return profile.local(moment).date()


# ------------------------------------------------------------------ orders
def order_status_reply(order: Order, request: str | None, profile: ClientProfile, now: datetime,
                       tone: str | None = CALM, apologised: bool = False) -> Reply:
    """The answer to "where is my order" (request status), "it's late" (late), "it never
    arrived" (missing) or "cancel it" (cancel), from the real order. Late, missing and lost
    parcels and delivery problems are worded for `tone` (the customer's frustration level),
    without their apology when the turn already has one (`apologised`)."""
    request = request if request in ("status", "late", "missing", "cancel") else "status"
    today = profile.today(now)
    order_words = f"order {order.order_id} ({items_phrase(order)})"  # inside a sentence
    head = order_words[0].upper() + order_words[1:]  # at the start of one
    ship = order.shipment
    status = order.status
    if status == "shipped" and ship is not None and ship.expected_delivery < today:
        status = "delayed"  # the carrier hasn't caught up with the calendar yet
    window = profile.return_window_days

    if status == "processing":
        placed = on_day(_local_date(profile, order.placed_at), today)
        if request == "cancel":
            minutes = (now - order.placed_at).total_seconds() / 60
            if minutes < SELF_CANCEL_MINUTES:
                left = max(1, int(SELF_CANCEL_MINUTES - minutes))
                return Reply(
                    f"Good news: {order_words} hasn't shipped yet, so you can still cancel it yourself. Go to "
                    f"My Account > Orders, open the order and choose \"Cancel order\"; that works for the first hour "
                    f"after ordering, so for about {left} more minute{'s' if left != 1 else ''}."
                )
            return Reply(
                f"{head} hasn't shipped yet, so it can still be stopped. Cancelling it yourself in My Orders is "
                f"only possible in the first hour after ordering, so a colleague needs to cancel it for you before "
                f"it ships.",
                offer_callback=True,
            )
        lead = ""
        if request in ("late", "missing"):
            lead = "It hasn't left our warehouse yet, so it isn't with a carrier. "
        calm = Reply(
            f"{lead}{head} was placed {placed} and is being prepared; it hasn't shipped yet. You'll get an email "
            f"with the tracking link as soon as it's on its way."
        )
        if request not in ("late", "missing"):
            return calm
        return by_tone(
            tone, calm,
            annoyed=sorry("Sorry for the wait: ", f"{order_words} hasn't left our warehouse yet. We'll email the "
                                                  f"tracking link the moment it ships.", apologised),
            angry=sorry("I'm sorry, ", f"{order_words} hasn't shipped yet, and I know you've waited long enough.",
                        apologised),
        )

    if status == "cancelled":
        when = on_day(_local_date(profile, order.cancelled_at), today) if order.cancelled_at else ""
        start = f"{head} was already cancelled" if request == "cancel" else f"{head} was cancelled"
        return Reply(
            f"{start}{' ' + when if when else ''}, so there's nothing on its way. Any payment went back to your "
            f"original payment method; refunds take {profile.refund_days}."
        )

    if ship is None:  # a shipped status without a shipment: say what we know
        return Reply(f"{head} is {status}. A colleague can give you the details.", offer_callback=True)

    shipped = on_day(_local_date(profile, ship.shipped_at), today)
    expected = relative_day(ship.expected_delivery, today)
    tracking = tracking_phrase(ship, profile)
    cannot_cancel = (
        f"{head} has already shipped ({shipped}, with {ship.carrier}), so it can't be cancelled any more. You can "
        f"refuse the delivery when {ship.carrier} arrives and it comes straight back to us, or return it free within "
        f"{window} days of delivery; either way you get a full refund once it's back with us."
    )

    if status == "shipped":
        if request == "cancel":
            return Reply(cannot_cancel)
        lead = {"late": "It's still on schedule: ", "missing": "It's still on its way: "}.get(request, "")
        subject = order_words if lead else head
        calm = Reply(f"{lead}{subject} shipped {shipped} with {tracking} and is expected {expected}.")
        if not lead:
            return calm
        return by_tone(
            tone, calm,
            annoyed=f"I know waiting is frustrating. {head} is with {tracking}, expected {expected}.",
            angry=sorry("I hear you, and I'm sorry for the wait. ",
                        f"{head} is on its way with {ship.carrier}, due {expected}.", apologised),
        )

    if status == "delayed":
        new_estimate = add_business_days(max(today, ship.expected_delivery), DELAY_GRACE_BUSINESS_DAYS)
        note = f" {ship.carrier} says: {ship.status_note.rstrip('.')}." if ship.status_note else ""
        text = sorry(
            "I'm sorry, ",
            f"{order_words} is running late. It shipped {shipped} with {tracking} and was due "
            f"{relative_day(ship.expected_delivery, today)}.{note} Late parcels usually turn up within a couple of "
            f"business days, so we now expect it by {relative_day(new_estimate, today)}. If it hasn't arrived by "
            f"then, let us know and we'll send a replacement or refund you in full.",
            apologised,
        )
        if request == "cancel":
            due = relative_day(ship.expected_delivery, today)
            return Reply(f"{cannot_cancel} " + sorry("Sorry it's taking longer than it should: ", f"it was due {due}.",
                                                     apologised))
        new_day = relative_day(new_estimate, today)
        return by_tone(
            tone, Reply(text),
            annoyed=sorry("I'm sorry, ", f"{order_words} is late, and I can see this has been frustrating. It's with "
                                         f"{tracking}, and we now expect it by {new_day}. If it isn't there by then, "
                                         f"we'll replace it or refund you in full.", apologised),
            angry=sorry("I'm really sorry: ", f"{order_words} is late, and that's on us. If it isn't with you by "
                                              f"{new_day}, we'll replace it or refund you in full.", apologised),
        )

    if status == "delivered":
        delivered_day = _local_date(profile, ship.delivered_at) if ship.delivered_at else ship.expected_delivery
        delivered = on_day(delivered_day, today)
        can_return = order.return_by is not None and order.return_by >= today
        if request in ("missing", "late"):
            recent = (today - delivered_day).days <= 1
            early = (" Carriers sometimes mark a parcel delivered a little early, so it may still turn up today."
                     if recent else "")
            not_reached = "but it hasn't reached you" if apologised else "so I'm sorry it hasn't reached you"
            calm = Reply(
                f"Our records show {order_words} was delivered {delivered} by {tracking}, {not_reached}. A few "
                f"things worth checking first: whether a neighbour took it in, any safe place such "
                f"as a porch, garage or mailbox, your building's reception or mail room, and that the delivery address "
                f"{order.ship_to} is right.{early} If it doesn't turn up, we can open an investigation with "
                f"{ship.carrier} and send a replacement or refund you.",
                offer_callback=True,
            )
            return by_tone(
                tone, calm,
                annoyed=sorry("I'm sorry, that's worrying. ",
                              f"{ship.carrier} marked {order_words} delivered {delivered}; it's worth checking with "
                              f"neighbours and any safe place. If it's not there, we'll replace it or refund you.",
                              apologised),
                angry=sorry("I'm so sorry it hasn't reached you. ",
                            f"{ship.carrier} says {order_words} was delivered {delivered}, so we'll look into it and "
                            f"replace it or refund you.", apologised),
            )
        if request == "cancel":
            if can_return:
                until = format_day(order.return_by, today)
                tail = f"but you can return it free until {until}: just say \"start a return\"."
            else:
                tail = "and its return window has closed; for a fault, our warranty may still cover it."
            return Reply(f"{head} was already delivered {delivered}, so it can't be cancelled, {tail}")
        tail = (f" If anything isn't right, you can return it until {format_day(order.return_by, today)}."
                if can_return else "")
        return Reply(f"{head} was delivered {delivered} by {ship.carrier}.{tail}")

    if status == "lost":
        note = f" ({ship.status_note.rstrip('.')})" if ship.status_note else ""
        calm = Reply(
            sorry("I'm really sorry: ",
                  f"{ship.carrier} has reported the parcel for {order_words} as lost{note}. It shipped {shipped} with "
                  f"{tracking}. You don't need to wait any longer: we'll send a replacement or refund you in full, "
                  f"whichever you prefer, and a colleague can set that up with you.", apologised),
            offer_callback=True,
        )
        return by_tone(
            tone, calm,
            annoyed=sorry("I'm really sorry: ", f"{ship.carrier} has lost the parcel for {order_words}, which is the "
                                                f"last thing you needed. We'll send a replacement or refund you in "
                                                f"full, whichever you prefer.", apologised),
            angry=sorry("I'm so sorry: ", f"{ship.carrier} lost the parcel for {order_words}. That's ours to put "
                                          f"right: a replacement or a full refund, your choice.", apologised),
        )

    # exception (address problem, damaged in transit, signature needed...) and anything unknown
    note = ship.status_note.rstrip(".") if ship.status_note else "the carrier reported a delivery problem"
    if request == "cancel":
        problem = f"{head} has already shipped, so it can't be cancelled, and there's a problem with its delivery"
    else:
        problem = f"There's a problem with the delivery of {order_words}"
    calm = Reply(
        f"{problem}: {note}. It shipped {shipped} with {tracking}. Our care team can sort this out with "
        f"{ship.carrier} for you.",
        offer_callback=True,
    )
    return by_tone(
        tone, calm,
        annoyed=sorry("Sorry, I know this is a hassle. ",
                      f"{problem}: {note}. Our care team can sort it out with {ship.carrier}.", apologised),
        angry=sorry("I'm sorry about this. ",
                    f"{problem}: {note}. A person can take it up with {ship.carrier} right away.", apologised),
    )


# ------------------------------------------------------------------ returns
def return_created_reply(case: ReturnCase, return_type: str | None, email: str | None,
                         profile: ClientProfile, tone: str | None = CALM, apologised: bool = False) -> Reply:
    """The confirmation of a new return case; a damaged or wrong item is worded for `tone`, and
    without its apology when the turn already has one."""
    to = f"to {email}" if email else "to the email address on your order"
    label = f"We've emailed a free prepaid return label {to}."
    refund = profile.money(case.refund_amount)
    if return_type in ("damaged", "wrong"):
        # the case's item is the order's line: what the customer ordered, not what came instead
        sorry_for = (f"your {case.product} arrived damaged" if return_type == "damaged"
                     else f"we sent the wrong item instead of your {case.product}")
        calm = Reply(
            sorry(f"I'm sorry {sorry_for}. ",
                  f"I've opened case {case.reference} for you. {label} Once it's on its way back, we'll send a "
                  f"replacement or refund {refund}, whichever you prefer: just reply to that email to choose. Refunds "
                  f"reach your original payment method within {profile.refund_days}.", apologised)
        )
        return by_tone(
            tone, calm,
            annoyed=sorry(f"I'm sorry {sorry_for}; that's really disappointing, and it's our mistake. ",
                          f"Case {case.reference} is open. {label} We'll replace it or refund {refund}, your choice.",
                          apologised),
            angry=sorry(f"I'm so sorry {sorry_for}. ",
                        f"That's on us. Case {case.reference} is open and the return label is in your email; a "
                        f"replacement or {refund} back, your choice.", apologised),
        )
    if return_type == "exchange":
        return Reply(
            f"Your exchange is set up: reference {case.reference}. {label} Send the {case.product} back, and once it "
            f"arrives we'll ship the replacement; reply to that email if you'd like a different size or colour."
        )
    return Reply(
        f"Your return is open: reference {case.reference}. {label} Pack the {case.product} (the original box is "
        f"great but not required) and drop it off with the carrier. Once it arrives at our warehouse, we'll refund "
        f"{refund} to your original payment method within {profile.refund_days}."
    )


def return_refused_reply(reason_code: str, message: str, order: Order | None, item: str | None,
                         profile: ClientProfile, now: datetime, return_type: str | None = None,
                         tone: str | None = CALM, apologised: bool = False) -> Reply:
    """An honest "no" for a refused return, with what the customer can do instead; a closed
    return window is worded for `tone` and without its apology when the turn already has one."""
    if reason_code == "outside_window" and order is not None and order.return_by is not None:
        return _window_closed_reply(order, item, profile, now, return_type, tone, apologised)
    if reason_code == "not_delivered" and order is not None:
        status = order_status_reply(order, "status", profile, now, apologised=apologised)
        return Reply(
            f"Order {order.order_id} hasn't been delivered yet, so a return can only be started once it arrives. "
            f"{status.text}",
            offer_callback=True,
        )
    if reason_code == "already_returned":
        return Reply(f"{message} The prepaid label is in your email; if you can't find it, a colleague can resend it.",
                     offer_callback=True)
    if reason_code == "order_cancelled":
        return Reply(f"{message} Any payment went back to your original payment method.", offer_callback=True)
    return Reply(message, offer_callback=True)


# knowledge_base/returns/late-returns-and-store-credit.md: after the return window, unused items in
# their original packaging still come back for store credit until this many days after delivery,
# less the label if the customer uses ours.
STORE_CREDIT_DAYS = 60
LATE_RETURN_LABEL = Decimal("7.95")


def _window_closed_reply(order: Order, item: str | None, profile: ClientProfile, now: datetime,
                         return_type: str | None, tone: str | None, apologised: bool) -> Reply:
    """The window has closed: say so at once, with the alternatives the policy allows (store credit
    for an unused item until day 60 of a return or exchange, the warranty for a fault, and an
    exception when we made the customer late)."""
    today = profile.today(now)
    window = profile.return_window_days
    closed = on_day(order.return_by, today)
    ship = order.shipment
    delivered_day = _local_date(profile, ship.delivered_at) if ship and ship.delivered_at else None
    if item is None and len(order.lines) == 1:
        item = order.lines[0].product
    if delivered_day:
        when = f"was delivered {on_day(delivered_day, today)} and the {window}-day return window closed {closed}"
    else:
        when = f"has a {window}-day return window, which closed {closed}"
    if item:
        head = f"I can't start a return for the {item}: order {order.order_id} {when}."
    else:
        head = f"I can't start a return for order {order.order_id}: it {when}."
    credit_until = delivered_day + timedelta(days=STORE_CREDIT_DAYS) if delivered_day else None
    store_credit = return_type in (None, "return", "exchange") and credit_until is not None and today <= credit_until
    warranty = (f"if it's faulty, our warranty may still cover it: email {profile.support_email} with your order "
                f"number and a photo or short video of the fault.")
    our_fault = ("If something on our side made you miss the window, such as a late parcel or a slow reply from us, "
                 "tell us and we'll refund it as normal.")
    first = sorry("I'm sorry, ", head, apologised)
    if store_credit:
        until = format_day(credit_until, today)
        calm_text = (
            f"{first} Here's what's still possible:\n"
            f"- Store credit: if it's unused and in its original packaging, it can still come back for store credit "
            f"until {until}. We'll email a return label and take {profile.money(LATE_RETURN_LABEL)} off the credit "
            f"for it, or you can send it yourself with a tracked service.\n"
            f"- Warranty: {warranty}\n"
            f"- {our_fault}"
        )
        annoyed = sorry("I'm sorry: ", f"the return window for order {order.order_id} closed {closed}. Unused and "
                                       f"in its box, it can still come back for store credit until {until}; if it's "
                                       f"faulty, the warranty may cover it.", apologised)
        angry = sorry("I'm sorry, ", f"order {order.order_id}'s return window closed {closed}. Store credit until "
                                     f"{until} if it's unused, or the warranty if it's faulty.", apologised)
    else:
        late = ""
        if return_type in (None, "return", "exchange") and credit_until is not None:
            late = (f" Late returns for store credit end {STORE_CREDIT_DAYS} days after delivery, so that has passed "
                    f"too.")
        calm_text = f"{first}{late} {warranty[0].upper()}{warranty[1:]} {our_fault}"
        annoyed = sorry("I'm sorry: ", f"the return window for order {order.order_id} closed {closed}. If it's "
                                       f"faulty, the warranty may cover it: {profile.support_email}.", apologised)
        angry = sorry("I'm sorry, ", f"order {order.order_id}'s return window closed {closed}. The warranty may "
                                     f"cover a fault.", apologised)
    return by_tone(tone, Reply(calm_text, offer_callback=True), annoyed=annoyed, angry=angry)


# ------------------------------------------------------------------ billing
def charge_label(invoice: Invoice, profile: ClientProfile, now: datetime, count: int = 1) -> str:
    """ "$22.00 on Tuesday 10 March" (+ " (charged twice)")."""
    day = format_day(_local_date(profile, invoice.issued_at), profile.today(now))
    times = {1: "", 2: " (charged twice)"}.get(count, f" ({count} charges)")
    return f"{profile.money(invoice.amount)} on {day}{times}"


def dispute_created_reply(case: DisputeCase, invoice: Invoice, same_day_charges: int, email: str | None,
                          profile: ClientProfile, now: datetime) -> Reply:
    today = profile.today(now)
    day = format_day(_local_date(profile, invoice.issued_at), today)
    amount = profile.money(invoice.amount)
    contact = f" and will email you at {email}" if email else " and will email you"
    text = (
        f"I've opened billing case {case.reference} for the {amount} charge on {day} ({invoice.invoice_id}). Our "
        f"billing team reviews it within {DISPUTE_REVIEW}{contact}."
    )
    if same_day_charges >= 2:
        text += (
            f" I can see {same_day_charges} charges of {amount} that day, so it looks like you were charged twice: "
            f"once the team confirms it, the duplicate is refunded to your {invoice.payment_method} within "
            f"{profile.refund_days}."
        )
    return Reply(text)


def dispute_refused_reply(message: str, invoice: Invoice, same_day_charges: int, profile: ClientProfile,
                          now: datetime) -> str:
    """A charge that cannot be disputed again (a case is open, or it was refunded): what the CRM says,
    which charge it is, and what happens next, as an agent would tell it."""
    day = format_day(_local_date(profile, invoice.issued_at), profile.today(now))
    amount = profile.money(invoice.amount)
    text = f"{message} That's the {amount} charge on {day}."
    if invoice.status == "refunded":
        return text
    text += f" Our billing team already has everything they need and reviews it within {DISPUTE_REVIEW}."
    if same_day_charges >= 2:
        text += (f" There were {same_day_charges} charges of {amount} that day, so it looks like a duplicate: once the "
                 f"team confirms it, it's refunded to your {invoice.payment_method} within {profile.refund_days}.")
    return text


# ------------------------------------------------------------------ open cases
TICKET_STATUS = {"open": "open, waiting for our team", "pending": "in progress"}


def case_status_reply(tickets: list[Ticket], order: Order, profile: ClientProfile, now: datetime) -> str:
    """ "Is my ticket still open?": the customer's open cases (verified through their order), each with
    its reference, subject, status and last update; or that there is none."""
    today = profile.today(now)
    if not tickets:
        return (f"I can't see an open case on your account right now, so nothing is waiting with our team. "
                f"Here's where order {order.order_id} stands:")
    lines = [f"- {t.ticket_id}: {t.subject}. Status: {TICKET_STATUS.get(t.status, t.status)}, last updated "
             f"{relative_day(_local_date(profile, t.updated_at), today)}." for t in tickets]
    head = "Your case is still open:" if len(tickets) == 1 else f"You have {len(tickets)} open cases:"
    return "\n".join([head, *lines, "Our team works through them in order and will contact you when there's news; "
                                   "you don't need to chase it."])


# ------------------------------------------------------------------ call backs
def when_phrase(when_text: str, when: When, today: date) -> str:
    """The customer's words, plus the date they resolve to when it isn't spelled out."""
    if when.day is None:
        return when_text
    spelled = format_day(when.day, today)
    return when_text if spelled.lower() in when_text.lower() else f"{when_text} ({spelled})"


def outside_hours_note(profile: ClientProfile, when: When, now: datetime) -> str:
    """Said when the customer asks for a time the team doesn't call; the time is still taken."""
    local_now = profile.local(now)
    day = when.day or local_now.date()
    minutes = when.minutes if when.minutes is not None and when.bound != "before" else 0
    start = datetime.combine(day, datetime.min.time(), tzinfo=profile.tz) + timedelta(minutes=minutes)
    if start < local_now:
        start = local_now
    earliest = profile.next_opening(start)
    text = f"Just so you know, our team calls {profile.hours_summary()}, so that's outside our hours."
    if earliest is not None:
        text += (f" I've noted your preference; the earliest we can call is "
                 f"{profile.describe_moment(earliest, now)}.")
    return text


def callback_confirmation(case: Callback, phone: str, when_text: str, topic: str | None) -> Reply:
    about = ""
    if topic:
        short = topic if len(topic) <= 80 else topic[:77].rstrip() + "..."
        about = f" about \"{short}\""
    return Reply(
        f"All set! Your call back is booked (reference {case.reference}). Someone from our care team will call you "
        f"on {mask_phone(phone)}, {when_text}{about}."
    )


def callback_failed(profile: ClientProfile) -> Reply:
    phone = f" on {profile.support_phone}" if profile.support_phone else ""
    return Reply(
        f"Sorry, I couldn't book the call back: our system isn't responding right now. Please try again in a few "
        f"minutes, or call our care team{phone} ({profile.hours_summary()})."
    )


# ------------------------------------------------------------------ hours
def store_hours_reply(profile: ClientProfile, now: datetime) -> Reply:
    summary = profile.hours_summary()
    if profile.is_open(now):
        closes = profile.closes_at(now)
        until = f", until {format_clock(closes.time())} {profile.timezone_label}" if closes else ""
        return Reply(f"Yes, our care team is available right now{until}. Our hours are {summary}.")
    earliest = profile.next_opening(now)
    back = (f" They're back {profile.describe_moment(earliest, now)} {profile.timezone_label}."
            if earliest is not None else "")
    return Reply(
        f"Our care team is offline right now.{back} Our hours are {summary}. I can still help with orders, returns "
        f"and billing around the clock, or book a call back for when they're in."
    )


# ------------------------------------------------------------------ handoff
MAX_NOTE_CHARS = 300


def _note_sentence(note: str | None) -> str | None:
    """The agent's note on one line, capped, ending like a sentence."""
    text = " ".join(str(note or "").split())
    if not text:
        return None
    if len(text) > MAX_NOTE_CHARS:
        text = text[:MAX_NOTE_CHARS - 3].rstrip() + "..."
    return text if text[-1] in ".!?" else text + "."


def handed_back_reply(agent_name: str | None, note: str | None, resolved: bool | None) -> str:
    """The bot's first words after an agent hands the customer back. Only `resolved is False`
    says the agent couldn't finish; a missing name reads "our team"."""
    name = " ".join(str(agent_name or "").split()).split(" ")[0]  # "Alex Kim" -> "Alex"
    who = name or "Our team"
    note_text = _note_sentence(note)
    said = ""
    if note_text:
        said = f" ({name}'s note: {note_text})" if name else f" (Our team's note: {note_text})"
    if resolved is False:
        return (f"Thanks for your patience. {who} couldn't finish this here; it's all noted on your conversation, "
                f"so you won't have to explain it again.{said} You're back with me, the assistant, in the meantime. "
                f"Is there anything else I can help with?")
    return (f"Thanks for your patience. {who} has handed you back to me, the assistant.{said} "
            f"Is there anything else I can help with?")
