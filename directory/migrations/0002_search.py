"""The search objects, which differ per database (docs/architecture.md, Directory).

PostgreSQL: pg_trgm, a GIN index on the stored tsvector and a trigram GIN index
on the plain words. SQLite: an FTS5 table of the stemmed words (å, æ, ø kept:
remove_diacritics 0), its vocabulary (for the typo match) and a trigger that
removes an entry's row when the entry is deleted.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS directory_entry_search_vector_gin "
    "ON directory_entry USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS directory_entry_search_text_trgm "
    "ON directory_entry USING gin (search_text gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS directory_entry_search_text_trgm",
    "DROP INDEX IF EXISTS directory_entry_search_vector_gin",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS directory_entry_fts USING fts5("
    'title, middle, body, tokenize="unicode61 remove_diacritics 0")',
    "CREATE VIRTUAL TABLE IF NOT EXISTS directory_entry_fts_vocab "
    "USING fts5vocab(directory_entry_fts, 'row')",
    "CREATE TRIGGER IF NOT EXISTS directory_entry_fts_delete AFTER DELETE ON directory_entry "
    "BEGIN DELETE FROM directory_entry_fts WHERE rowid = old.id; END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS directory_entry_fts_delete",
    "DROP TABLE IF EXISTS directory_entry_fts_vocab",
    "DROP TABLE IF EXISTS directory_entry_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [
        # Does nothing on other databases.
        TrigramExtension(),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
