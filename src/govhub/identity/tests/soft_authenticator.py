"""A software WebAuthn authenticator for tests without a browser: it answers the options
govhub sends as a real authenticator and browser would (Web Authentication Level 3 §6.1
authenticator data, §6.5.4 "none" attestation, ES256 signatures over authData ‖
SHA-256(clientDataJSON)), so py_webauthn on the server checks real bytes."""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url

USER_PRESENT, USER_VERIFIED, BACKUP_ELIGIBLE, BACKED_UP, ATTESTED = 0x01, 0x04, 0x08, 0x10, 0x40


class SoftAuthenticator:
    def __init__(self, origin: str, *, synced: bool = False) -> None:
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0
        self.synced = synced

    @property
    def id(self) -> str:
        return bytes_to_base64url(self.credential_id)

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        # RFC 9053 §7.1.1: EC2 key (kty 2), ES256 (alg -7), P-256 (crv 1), x, y.
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})

    def _authenticator_data(self, rp_id: str, *, attested: bool) -> bytes:
        flags = USER_PRESENT | USER_VERIFIED | (BACKUP_ELIGIBLE | BACKED_UP if self.synced else 0)
        data = hashlib.sha256(rp_id.encode()).digest()
        data += bytes([flags | (ATTESTED if attested else 0)])
        data += self.sign_count.to_bytes(4, "big")
        if attested:
            data += bytes(16) + len(self.credential_id).to_bytes(2, "big")
            data += self.credential_id + self._cose_key()
        return data

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge,
                           "origin": origin or self.origin, "crossOrigin": False}).encode()

    def create(self, options: dict[str, Any], *, origin: str | None = None) -> dict[str, Any]:
        """navigator.credentials.create, as JSON (what passkey.js posts)."""
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData":
                                   self._authenticator_data(options["rp"]["id"],
                                                            attested=True)})
        return {"id": self.id, "rawId": self.id, "type": "public-key",
                "clientExtensionResults": {}, "authenticatorAttachment": "platform",
                "response": {"clientDataJSON": bytes_to_base64url(client_data),
                             "attestationObject": bytes_to_base64url(attestation),
                             "transports": ["internal"]}}

    def get(self, options: dict[str, Any], *, origin: str | None = None,
            count: int | None = None) -> dict[str, Any]:
        """navigator.credentials.get, as JSON. ``count`` overrides the signature counter
        (a cloned authenticator sends an old one)."""
        self.sign_count = self.sign_count + 1 if count is None else count
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        data = self._authenticator_data(options["rpId"], attested=False)
        signature = self.key.sign(data + hashlib.sha256(client_data).digest(),
                                  ec.ECDSA(hashes.SHA256()))
        return {"id": self.id, "rawId": self.id, "type": "public-key",
                "clientExtensionResults": {}, "authenticatorAttachment": "platform",
                "response": {"clientDataJSON": bytes_to_base64url(client_data),
                             "authenticatorData": bytes_to_base64url(data),
                             "signature": bytes_to_base64url(signature)}}
