"""Supervision of deadlines (督办): the sweep that flags clocks as they pass their thresholds, the notifications and
their outbox, the scheduler process, urging, supervising and extensions, and the pages for them (deadline
panel, overdue board, bell, calendar, policies, outbox). Deadlines themselves are computed in app/deadlines."""
