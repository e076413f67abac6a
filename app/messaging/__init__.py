"""Messages to enterprises: the SMS gateway adapter (`sms`), what each message says (`texts`), the links they
carry (`links`) and one queueing function per event of a case (`tell`). Delivery is the outbox's
(app/supervision/notify.py); this package never imports the workflow, so the workflow can call it."""
