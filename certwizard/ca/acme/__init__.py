"""certwizard as a client of ACME certificate authorities (RFC 8555): Let's Encrypt, ZeroSSL, step-ca...

`models` holds the plain results (no `acme` library objects leak out of this package), `client` wraps the
blocking `acme` library, `problems` turns ACME errors into `AuthorityError`s that say what to do. Nothing here
is imported at start-up: the library is loaded only when an ACME authority is used.
"""
