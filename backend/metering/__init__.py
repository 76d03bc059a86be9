"""The prepaid metering service: accounts, tariffs, charges, readings, recharges, cuts."""
