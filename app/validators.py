"""Checks for Chinese identifiers: the unified social credit code and mobile numbers."""
import re

# GB 32100-2015: 31 characters, no I, O, S, V, Z.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def credit_code_check_char(first17: str) -> str:
    """The check character (18th) for the first 17 characters of a credit code."""
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def normalize_credit_code(code: str) -> str:
    """Upper-case a code and strip spaces, as people type them."""
    return re.sub(r"\s+", "", code or "").upper()


def is_valid_credit_code(code: str) -> bool:
    """Whether an 18-character code is well formed and its check character is right."""
    code = normalize_credit_code(code)
    if len(code) != 18 or any(c not in CREDIT_CODE_CHARS for c in code):
        return False
    return credit_code_check_char(code[:17]) == code[17]


def is_valid_mobile(number: str) -> bool:
    """Whether a number is a mainland China mobile number (11 digits starting 13–19)."""
    return bool(MOBILE_RE.match((number or "").strip()))


def positive_id(raw) -> int | None:
    """A row id as a form or query string sent it ("12"), or None: blank, text and sizes no row has (10**30)."""
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**31 else None
