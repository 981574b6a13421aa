"""Privacy features built on the redaction at accept (bot/redaction.py): what the customer is told
when something was hidden. docs/privacy.md."""
