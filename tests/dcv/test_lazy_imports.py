"""The self-check modules cost nothing until a check runs: dnspython, idna and http.client load then."""

import subprocess
import sys

PROBE = r"""
import sys
import certwizard.dcv.dns_check, certwizard.dcv.http_check, certwizard.dcv.name_servers
heavy = ("dns", "dnslib", "idna", "textual", "rich")
print(",".join(sorted(m for m in sys.modules if m.split(".")[0] in heavy or m == "http.client")))
"""


def test_importing_the_checks_loads_no_network_library():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
