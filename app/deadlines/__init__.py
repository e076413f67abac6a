"""Deadlines of a ticket, computed: the working-day calendar in force (statutory + admins' overrides), the
policies that set each clock's budget, and the engine that keeps a ticket's clocks in step with its state.
Below the workflow (app/tickets) and the supervision of late cases (app/supervision); above models/ and sla/."""
