"""Channels: Twilio inbound (form -> InboundMessage, signature, TwiML), outbound senders (Twilio's REST API,
SMTP email, the local outbox), and which sender serves whom.

May import: bot.engine, bot.platform, bot.flows, bot.understanding."""
