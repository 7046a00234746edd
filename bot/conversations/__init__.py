"""Conversations with residents: the message loop (receive -> advance -> commit -> render), the conversation
store and its Redis scripts, photos arriving with a message, statistics, and the spool for when Redis is down.

May import: every package below it (bot.engine, bot.platform, bot.flows, bot.understanding, bot.channels,
bot.tips, bot.officers)."""
