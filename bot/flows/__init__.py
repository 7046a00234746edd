"""The conversation flows and their texts: loading the YAML files, published revisions and the draft, the
editor's operations, checks and lints, rendering replies (python-i18n lives only in i18n.py) and SMS packing.

May import: bot.engine, bot.platform."""
