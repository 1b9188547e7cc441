"""Trigram indexes for the contains-searches (name, e-mail, phone, search box) on PostgreSQL.

They back Django's `icontains` (UPPER(col) LIKE UPPER(%x%)) and `contains` lookups. SQLite has
no such index; there the searches scan the workspace's rows.
"""

from django.db import migrations

from tertulia.core.migration_ops import RunSQLOnPostgreSQL


class Migration(migrations.Migration):
    dependencies = [("visitors", "0001_initial")]

    operations = [
        RunSQLOnPostgreSQL(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                "CREATE INDEX visitor_name_trgm ON visitors_visitor "
                "USING gin (UPPER(name) gin_trgm_ops)",
                "CREATE INDEX visitor_email_trgm ON visitors_visitor "
                "USING gin (UPPER(email) gin_trgm_ops)",
                "CREATE INDEX visitor_phone_trgm ON visitors_visitor "
                "USING gin (phone_digits gin_trgm_ops)",
                "CREATE INDEX visitor_search_trgm ON visitors_visitor "
                "USING gin (search_text gin_trgm_ops)",
            ],
            reverse_sql=[
                "DROP INDEX IF EXISTS visitor_name_trgm",
                "DROP INDEX IF EXISTS visitor_email_trgm",
                "DROP INDEX IF EXISTS visitor_phone_trgm",
                "DROP INDEX IF EXISTS visitor_search_trgm",
            ],
        ),
    ]
