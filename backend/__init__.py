"""The prepaid metering service and the assistant's records (SQLAlchemy)."""
