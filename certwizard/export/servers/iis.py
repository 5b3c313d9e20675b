"""IIS (Windows): one password-protected .pfx to import into the computer's certificate store."""

from __future__ import annotations

from pathlib import Path

from certwizard.export.layout import Material, ServerLayout
from certwizard.export.pkcs12 import pfx_files, pfx_paragraph

IIS_FOLDER = "C:\\certs"    # where the IIS note has the .pfx copied to on the Windows server


def note(folder: Path, name: str, m: Material) -> str:
    windows_path = f"{IIS_FOLDER}\\{name}.pfx"
    return "\n".join([
        f"IIS: {m.friendly_name}",
        "",
        pfx_paragraph(folder, name, m),
        "",
        f"Copy it to the Windows server, for example to {windows_path}, then import it into the computer's",
        "Personal store, either in IIS Manager (server node > Server Certificates > Import..., choose the",
        ".pfx and type the password) or in PowerShell as Administrator (one line; it asks for the password):",
        f"    Import-PfxCertificate -FilePath '{windows_path}' -CertStoreLocation Cert:\\LocalMachine\\My "
        "-Password (Read-Host -AsSecureString)",
        "Then bind it: select the site > Bindings... > Add (or Edit) https, port 443, host name "
        f"{m.friendly_name}, and pick the certificate named {m.friendly_name}.",
        "",
    ])


IIS = ServerLayout(
    name="iis", label="IIS (Windows)", short_label="IIS",
    choice="IIS / Windows (PKCS#12 .pfx with a password)",
    hint="One password-protected .pfx (0600) to import in IIS Manager or with PowerShell.",
    files=pfx_files, note=note, pkcs12=True)
