"""Alibaba Cloud SSL Certificates (CAS, API 2020-04-07) as certificate authorities, one per account.

The official SDK is the client (`pip install 'certwizard[alibaba]'`), imported only when an account is used:
`client.py` wraps it (credentials from Alibaba's default chain, retries, errors in words), `statuses.py` maps
the service's states onto the order statuses, `authority.py` is the CertificateAuthority, `sync.py` imports
an account's certificates as orders, and `accounts.py` keeps the account records (no AccessKey: ever).
"""
