from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Sign-in security: the login forms (password, then the TOTP code for those who enrolled), the
    lock-out page of django-axes and the staff's two-factor enrolment page."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # The staff's sign-in data, declared for the registry of personal data (core.personal_data).
        from accounts.personal_data import register_all

        register_all()
        # Every staff user's two-factor page in the desk's menu (core.desk). The roles take no
        # permission of this app (core.roles): enrolling is each user's own.
        from core.desk import register_menu_entry

        register_menu_entry(
            label=_("Two-factor sign-in"),
            url_name="accounts:two_factor",
            staff_only=True,
            order=30,
            section=_("Account"),
        )
