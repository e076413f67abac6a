"""Column types shared by the models."""
from datetime import datetime, timezone

from sqlalchemy import DateTime, String
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Stores naive UTC on every database and always hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class LabeledEnumColumn(TypeDecorator):
    """Stores a LabeledEnum (app/enums.py) as its value and hands back the member, so a row's status carries its
    label and badge class. Members are strings, so comparing with a plain value still holds; writing a value
    the enum does not know is refused before it reaches the database."""

    impl = String
    cache_ok = True

    def __init__(self, enum_cls, length: int):
        super().__init__(length)
        self.enum_cls, self.length = enum_cls, length

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return self.enum_cls(value).value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return self.enum_cls(value)  # a value the enum does not know is a bug to see, not to pass on


def coerce_labeled_enums(model_base) -> None:
    """Make every LabeledEnumColumn attribute hold its enum member from the moment it is assigned (not only
    after a reload), and refuse an unknown value at assignment."""
    from sqlalchemy import event
    for mapper in model_base.registry.mappers:
        for prop in mapper.column_attrs:
            column_type = prop.columns[0].type
            if isinstance(column_type, LabeledEnumColumn):
                event.listen(getattr(mapper.class_, prop.key), "set",
                             lambda _target, value, _old, _initiator, enum_cls=column_type.enum_cls:
                             None if value is None else enum_cls(value), retval=True)
