"""The public ACME directories certwizard knows by name, so `certwizard acme add NAME --preset letsencrypt`
needs no URL. EAB: the CA hands out a key id and HMAC key on its account page (ZeroSSL, Google)."""

from __future__ import annotations

PRESETS: dict[str, str] = {
    "letsencrypt": "https://acme-v02.api.letsencrypt.org/directory",
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    "zerossl": "https://acme.zerossl.com/v2/DV90",
    "google": "https://dv.acme-v02.api.pki.goog/directory",
    "buypass": "https://api.buypass.com/acme/directory",
}

# How the TUI names each preset in its CA list (the CLI names them by key).
PRESET_TITLES: dict[str, str] = {
    "letsencrypt": "Let's Encrypt",
    "letsencrypt-staging": "Let's Encrypt staging (test certificates, not trusted)",
    "zerossl": "ZeroSSL (EAB from its dashboard)",
    "google": "Google Trust Services (EAB from gcloud)",
    "buypass": "Buypass Go SSL",
}
