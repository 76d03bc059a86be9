"""Static files the pages load from this server (no CDN, no inline script): served at
`/static` by `bot.webguard.install_web_guards`."""
