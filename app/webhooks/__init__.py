"""Signed webhooks to outside systems: which ticket events become which types (`events`), the body (`payload`),
the outbox rows written with the event (`outbox`), signing (`signing`), the guarded HTTP post (`transport`), and
the ordered, retried delivery the SLA worker runs (`delivery`). Admins' verbs are in `services`."""
