"""A hasher for machine secrets (OAuth client secrets, API keys), not for passwords.

Django's password hashers are slow on purpose (PBKDF2, 10^6 iterations) because people
choose guessable passwords. A client secret is 128 random characters (~760 bits): nothing
can guess it, so one salted SHA-256 protects it as well — and a machine client's token
request costs microseconds instead of a third of a second (benchmarks/oidc_tokens.py).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.translation import gettext_noop as _


class MachineSecretHasher(BasePasswordHasher):
    algorithm = "govhub_sha256_secret"

    def encode(self, password: str, salt: str) -> str:
        if password is None or not salt or "$" in salt:
            raise ValueError("a secret and a salt without '$' are required")
        digest = hashlib.sha256(f"{salt}${password}".encode()).hexdigest()
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded: str) -> dict[str, Any]:
        algorithm, salt, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password: str, encoded: str) -> bool:
        decoded = self.decode(encoded)
        return secrets.compare_digest(self.encode(password, decoded["salt"]), encoded)

    def safe_summary(self, encoded: str) -> dict[Any, Any]:
        decoded = self.decode(encoded)
        return {_("algorithm"): decoded["algorithm"], _("salt"): mask_hash(decoded["salt"]),
                _("hash"): mask_hash(decoded["hash"])}

    def harden_runtime(self, password: str, encoded: str) -> None:
        pass  # nothing to equalise: one hash, whatever the secret
