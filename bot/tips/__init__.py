"""Tips and what belongs to them: the Tip record and its repository, photos (fetched, cleaned, encrypted),
follow-up handles, delivery bookkeeping, and the retention purge's schedule.

May import: bot.engine, bot.platform, bot.flows, bot.understanding, bot.channels."""
