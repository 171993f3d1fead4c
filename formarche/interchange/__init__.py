"""The formarche interchange format: one organisation's data for a period, as one JSON document.

See docs/interchange.md and docs/interchange.schema.json. Read by `formarche import FILE`
(`cli.cli_import`) and written by `formarche export --organisation CODE --from DATE --to DATE`
(`cli.cli_export`).
"""

FORMAT = "formarche-interchange"
VERSION = 1
