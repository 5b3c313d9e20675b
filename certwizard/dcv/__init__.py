"""Checking domain validation the way the CA will, before the CA is asked (issue 13, "Self-check").

Most failed validations are a record or file that is not there yet where the CA looks: a secondary name
server that has not caught up, a TXT record at the wrong name, a web server that redirects to a login page.
`dns_check` asks every authoritative name server of the zone itself; `http_check` fetches the file as the CA
does. Both return plain data and plain sentences (never markup) for the wizard and the command line.

Nothing here imports Textual, and the network libraries are imported only when a check runs.
"""
