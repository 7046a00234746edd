"""The officer side: accounts and sign-in sessions, the second factor and single sign-on, the duty roster, the
audit log, who gets alerts, and the alerts themselves.

May import: bot.engine, bot.platform, bot.flows, bot.understanding, bot.channels, bot.tips."""
