from django.contrib import admin

from .forms import AdminLoginForm

# The admin's login asks for the TOTP code too, for those who enrolled (accounts.forms).
admin.site.login_form = AdminLoginForm
