"""Configuration of the sandbox SMS gateway: which brand names are registered, whether the
route takes accented (UCS-2) text, and how long a message may be."""

import re
from dataclasses import dataclass

# SMS in Vietnam goes through registered brand names of at most 11 characters (the
# alphanumeric sender id of 3GPP TS 23.040 §9.1.2.5 holds 11 GSM-7 characters).
MAX_BRANDNAME_LENGTH = 11
BRANDNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,10}$")


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class GatewayConfig:
    brandnames: tuple[str, ...] = ("CAMAU-G",)
    # If set, the send API needs "Authorization: Bearer <api_key>".
    api_key: str | None = None
    # Many brandname routes refuse accented text; False makes this one refuse it too.
    allow_unicode: bool = True
    max_segments: int = 4
    keep_messages: int = 1000  # the outbox forgets older ones
    admin_token: str | None = None  # if set, /_sandbox/* needs "Authorization: Bearer <it>"

    def __post_init__(self) -> None:
        if not self.brandnames:
            raise ConfigError("Register at least one brand name.")
        for name in self.brandnames:
            if not BRANDNAME.match(name):
                raise ConfigError(f"Brand name {name!r}: 1 to {MAX_BRANDNAME_LENGTH} letters, "
                                  "digits, spaces, '.', '_' or '-'.")
        if not 1 <= self.max_segments <= 10:
            raise ConfigError("max_segments must be between 1 and 10.")
        if self.keep_messages < 1:
            raise ConfigError("keep_messages must be positive.")
