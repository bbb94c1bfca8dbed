from typing import Any

from django.core.management.base import BaseCommand

from govhub.identity import demo
from govhub.identity.organisation import provinces
from govhub.identity.organisation.services import agencies


class Command(BaseCommand):
    help = "Seed the Cà Mau demo (agencies and one account per role) and print the logins."

    def handle(self, *args: Any, **options: Any) -> None:
        province, _, _ = agencies.import_province(actor=demo.DEMO, province_code=provinces.CA_MAU)
        logins, clients = demo.seed(province)
        width = max(len(login.username) for login in logins)
        self.stdout.write("Demo logins (tài khoản demo):")
        for login in logins:
            self.stdout.write(f"  {login.username:<{width}}  {login.password}  "
                              f"{login.role} — {login.agency}")
        self.stdout.write("Single sign-on clients (ứng dụng kết nối SSO):")
        for client in clients:
            kind = f"secret in {demo.client_secrets_file()}" if client.client_secret \
                else "public, PKCE"
            self.stdout.write(f"  {client.name}: client_id {client.client_id} ({kind})")
        self.stdout.write("OpenID Connect discovery: /.well-known/openid-configuration")
