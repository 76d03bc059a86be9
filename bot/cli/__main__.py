"""`python -m bot.cli` = `sahayak`."""

from bot.cli import main

main()
