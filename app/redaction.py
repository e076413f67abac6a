"""Keep link tokens out of the logs: a request line or an error message naming /t/<token> (a personal tracking
link) or /evaluate/<token> (an evaluation invitation) is written with the token replaced, by the development
server (werkzeug), gunicorn's access log and the application's own logger alike. Whoever reads a log must not
be able to open a case with what they read."""
import logging
import re

SECRET_PATH = re.compile(r"(/(?:t|evaluate)/)[^\s/?#\"']+")
REDACTED = r"\1[redacted]"
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    """`text` with every link token in a path replaced by [redacted]."""
    return SECRET_PATH.sub(REDACTED, text)


class RedactLinkTokens(logging.Filter):
    """A logging filter that writes each record's message with its link tokens redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # a malformed record is the handler's to report, not the filter's
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install(app) -> None:
    """Attach the filter (once) to the loggers that write request lines and errors."""
    for logger in [logging.getLogger(name) for name in LOGGERS] + [app.logger]:
        if not any(isinstance(f, RedactLinkTokens) for f in logger.filters):
            logger.addFilter(RedactLinkTokens())
