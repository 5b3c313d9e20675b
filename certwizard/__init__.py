"""certwizard: apply for SSL/TLS certificates from a terminal, keep the key on your server."""

__version__ = "0.1.0"
