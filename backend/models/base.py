"""The declarative base, naming convention and column helpers every model module uses."""

from __future__ import annotations

import enum

from sqlalchemy import (
    BigInteger,
    Enum,
    Index,
    Integer,
    MetaData,
    text,
)
from sqlalchemy.orm import DeclarativeBase

# BIGINT on PostgreSQL, but SQLite only autoincrements a column declared INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def enum_type(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings with a CHECK: portable and readable in SQL.
    return Enum(cls, name=name, native_enum=False, values_callable=lambda e: [m.value for m in e],
                length=20, validate_strings=True)


def partial_index(name: str, where: str, *columns: str, unique: bool = False) -> Index:
    return Index(name, *columns, unique=unique, postgresql_where=text(where),
                 sqlite_where=text(where))
