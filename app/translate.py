"""gettext for the words a page repeats by the hundred (deadline badges, their times): each translation is looked up
once per language and process. Flask-Babel's own gettext finds the request's locale, domain and catalogue through
a dozen context look-ups on every call (9-19 µs on stop 34's machine, this 4-5; a list of fifty cases calls it 150
times).

Imported as `_`, as Flask-Babel's is, so that `pybabel extract` finds the messages the same way."""
from flask_babel import get_locale, gettext as babel_gettext

_TRANSLATED: dict = {}  # (locale, message) -> its translation; catalogues do not change while the process runs


def gettext(message: str, **variables) -> str:
    """`message` in the current language, filled with `variables`: what Flask-Babel's gettext returns."""
    locale = get_locale()
    if locale is None:  # outside a request: nothing to remember it by
        return babel_gettext(message, **variables)
    key = (locale, message)
    text = _TRANSLATED.get(key)
    if text is None:
        text = _TRANSLATED[key] = babel_gettext(message)
    return text % variables if variables else text
