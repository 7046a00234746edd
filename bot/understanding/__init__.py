"""Understanding residents beside the engine's rules: the language hint (lingua), the intent model (naive Bayes,
trained from data/intents.tsv), and the evaluation of labelled sets (`flask nlu evaluate`).

May import: bot.engine, bot.platform."""
