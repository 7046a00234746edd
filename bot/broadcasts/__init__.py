"""Community alerts (broadcasts) from the department to residents who opted in: the subscribers (consent
records under an HMAC of the number, addresses only Fernet-encrypted), the alerts and their two-person approval,
the checks of an alert's texts, quiet hours, the shared rate limiter, and delivery in chunks of recipients.

Not to be confused with bot/officers/alerts.py, which notifies officers of new tips.

May import: bot.engine, bot.platform, bot.flows, bot.understanding, bot.channels, bot.tips."""
