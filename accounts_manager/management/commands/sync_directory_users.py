"""`manage.py sync_directory_users`: the scheduled directory check (accounts_manager.tasks), now."""

from django.core.management.base import BaseCommand, CommandError

from accounts_manager.directory import DirectoryUnavailable, sync_directory_users


class Command(BaseCommand):
    help = (
        "Check every directory user against the company directory and deactivate those it "
        "disabled or removed (their API tokens stop working)."
    )

    def handle(self, *args, **options):
        try:
            result = sync_directory_users()
        except DirectoryUnavailable as error:
            raise CommandError(f"The directory does not answer: {error}") from error
        if result is None:
            self.stdout.write("No directory is set up (AUTH_LDAP_SERVER_URI is empty).")
            return
        self.stdout.write(
            f"{result.checked} directory users checked, {len(result.deactivated)} deactivated"
            + (f": {', '.join(result.deactivated)}" if result.deactivated else ".")
        )
