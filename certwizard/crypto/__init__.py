"""Cryptography for certwizard: private keys, CSR building and CSR linting.

Submodules import `cryptography` at their top, so import them where needed (`certwizard.crypto.keys`,
`certwizard.crypto.csr`, `certwizard.crypto.csr_lint`); this package itself stays free of heavy imports.
"""
