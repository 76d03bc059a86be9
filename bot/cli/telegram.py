"""`sahayak telegram poll|set-webhook`: the Telegram bot for development (long polling)
or production (registering the webhook)."""

from __future__ import annotations

import click

from bot.cli.context import CliApp, pass_app


@click.group()
def telegram() -> None:
    """Telegram bot: poll for development, or register the webhook."""


@telegram.command("poll")
@pass_app
def telegram_poll(app: CliApp) -> None:
    """Answer Telegram by long polling (no public URL needed; removes any webhook).
    Replies go through the outbox and are sent at once; run `sahayak worker` too for the
    retries of those that fail."""
    import asyncio

    from bot.channels.telegram import telegram_bot
    from bot.channels.telegram_adapter import TelegramAdapter

    settings = app.settings
    if settings.telegram_bot_token is None:
        raise click.ClickException("set TELEGRAM_BOT_TOKEN first")
    components = app.components
    components.refuse_demo_placeholders()
    adapter = components.channels.get("telegram")
    if not isinstance(adapter, TelegramAdapter):
        adapter = TelegramAdapter(settings)
    channel = adapter.channel(components.assistant, components.backend.sessions)
    click.echo("polling Telegram; Ctrl-C to stop")
    try:
        asyncio.run(channel.poll(telegram_bot(settings)))
    except KeyboardInterrupt:
        pass
    finally:
        components.close()


@telegram.command("set-webhook")
@click.argument("url", required=False)
@pass_app
def telegram_set_webhook(app: CliApp, url: str | None) -> None:
    """Point Telegram at URL (default PUBLIC_BASE_URL/webhooks/telegram), with the secret
    token Telegram will send back in every call."""
    import asyncio

    from bot.channels.telegram import telegram_bot

    settings = app.settings
    secret = settings.telegram_webhook_secret
    if not (settings.telegram_bot_token and secret):
        raise click.ClickException("set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET first")
    url = url or (f"{settings.public_base_url}/webhooks/telegram"
                  if settings.public_base_url else None)
    if not url or not url.startswith("https://"):
        raise click.ClickException("give an https:// URL (or set PUBLIC_BASE_URL)")
    async def register() -> bool:
        async with telegram_bot(settings) as bot:
            return await bot.set_webhook(url, secret_token=secret.get_secret_value(),
                                         allowed_updates=["message", "callback_query"])

    try:
        asyncio.run(register())
    except Exception as exc:  # noqa: BLE001 - show the Bot API's refusal, not a traceback
        raise click.ClickException(f"Telegram refused: {type(exc).__name__}: {exc}") from exc
    click.echo(f"Telegram webhook set to {url}")
