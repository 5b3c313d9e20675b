"""Tomcat: one password-protected PKCS#12 keystore holding the key, the certificate and the chain."""

from __future__ import annotations

from pathlib import Path

from certwizard.export.layout import Material, ServerLayout
from certwizard.export.pkcs12 import pfx_files, pfx_paragraph


def note(folder: Path, name: str, m: Material) -> str:
    return "\n".join([
        f"Tomcat: {m.friendly_name}",
        "",
        pfx_paragraph(folder, name, m),
        "",
        "In conf/server.xml (Tomcat 8.5 and later):",
        '    <Connector port="8443" protocol="org.apache.coyote.http11.Http11NioProtocol"',
        '               SSLEnabled="true" maxThreads="150" scheme="https" secure="true">',
        "        <SSLHostConfig>",
        f'            <Certificate certificateKeystoreFile="{folder / (name + ".pfx")}"',
        '                         certificateKeystoreType="PKCS12"',
        '                         certificateKeystorePassword="(the .pfx password you chose)" />',
        "        </SSLHostConfig>",
        "    </Connector>",
        "",
        "Then restart Tomcat.",
        "",
    ])


TOMCAT = ServerLayout(
    name="tomcat", label="Tomcat", short_label="Tomcat",
    choice="Tomcat (PKCS#12 .pfx with a password)",
    hint="One password-protected keystore (.pfx, 0600) holding key, certificate and chain.",
    files=pfx_files, note=note, pkcs12=True)
