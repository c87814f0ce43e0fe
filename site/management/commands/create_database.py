import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql


class Command(BaseCommand):
    help = (
        "Create the PostgreSQL database the settings name (DATABASE_URL) if it does not exist "
        "yet; an existing one is left as it is. SQLite creates its file by itself."
    )

    def handle(self, *args, **options):
        database = settings.DATABASES["default"]
        if database["ENGINE"] != "django.db.backends.postgresql":
            self.stdout.write("Not PostgreSQL: nothing to create.")
            return
        name = database["NAME"]
        # The server's own `postgres` database, to look for ours and create it.
        try:
            with psycopg.connect(
                dbname="postgres",
                host=database["HOST"] or None,
                port=database["PORT"] or None,
                user=database["USER"] or None,
                password=database["PASSWORD"] or None,
                autocommit=True,
                connect_timeout=5,
            ) as server:
                exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
                if exists.fetchone():
                    self.stdout.write(f"Database {name} exists.")
                    return
                server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.Error as error:
            raise CommandError(f"Could not create the database {name}: {error}") from error
        self.stdout.write(f"Created the database {name}.")
