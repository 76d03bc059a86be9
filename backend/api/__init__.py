"""The REST API (/api/v1): metering integration and staff endpoints."""
