"""Help: how applying works, what to do while the CA reviews, CSRs by hand, where data lives, the sandbox CA."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Markdown

from certwizard.ca.sandbox import FAIL_TRIGGER_LABEL, SPEED_ENV
from certwizard.domain.text import printable
from certwizard.paths import DATA_DIR_ENV, DataLayout
from certwizard.ui.quiet_focus import QuietFocus
from certwizard.ui.widgets.keys_footer import KeysFooter
from certwizard.ui.widgets.title_bar import TitleBar

HELP_TEXT = """\
# How it works

1. **Purchase.** Buy the certificate, then add it here (Certificates, key `a`). The product decides how many
   names you may bind, whether wildcards are allowed and what information the CA needs.
2. **Apply.** Enter the domains to bind and who applies. DV certificates need only the applicant; OV and EV
   also need the company details and a signed, stamped verification document.
3. **Verify the information.** Check the summary; attach the documents for OV/EV.
4. **Submit.** certwizard creates the private key and the CSR on this machine (or sends the CSR you pasted).
5. **Domain verification, then review.** Every certificate: publish the DNS record or file shown in
   *Unissued Certificates*, then press `v` (a wildcard: the DNS record only). OV/EV: the CA then also
   checks the company by phone and e-mail.
6. **Issued.** The certificate appears in the list; export it with the chain and key for your server.

To change a submitted application, withdraw it first (Unissued Certificates, `w`): it goes back to draft with
everything kept, and you submit again when done. Once issued, it can no longer be withdrawn.

# Filling in the application

Apply for Certificate has two tabs. Everything you type is kept as a draft as you go: close it (`Escape`)
or quit at any time and continue later from the same place.

- **Enter Application:** `Tab` moves between fields, `PageUp`/`PageDown` scroll. `F8` (Next) checks every
  field, shows each problem under its field, and opens *Verify Information* only when all is right.
  `F6` fills the applicant (or company) details from a saved profile.
- **CSR Generation:** *Automatic* makes the key on this machine when you submit (optionally protected by a
  passphrase, asked twice then). *Manual*: paste your CSR, or type its path under *Load from file* and press
  `Enter`; what the CSR contains and any problem appear right under it.
- **Verify Information:** `F3` saves the pre-filled verification letter (PDF), `F4` uploads a signed,
  stamped picture (PNG or JPEG up to 500 KB; `→` or `Tab` completes the path; a bigger picture can be
  replaced by a smaller copy). On the document list, `x` or `Delete` removes one. `F5` saves the applicant
  and company details as a profile. `F2` goes back to change something, `F9` submits.

# After you submit

- **Keep your phone on.** The CA may call the applicant or company number you gave.
- **Watch your mailbox** (and its spam folder) for mail from the CA, and answer it.
- **Every certificate (DV, OV and EV):** publish the record exactly as shown. A DNS TXT record: name, type
  `TXT`, value. Or a file: put the content at the URL path shown, served over plain HTTP; a file cannot
  prove a wildcard (`*.example.com`), so for those only the DNS record is offered. Then press `v`
  (Published, verify now).

# When the review takes long

- **DV** usually takes minutes, at most about 2 days. If it is still waiting, check that the TXT record is
  visible (`dig TXT _dnsauth.www.example.com`) or that the file opens in a browser, then verify again.
- **OV/EV** usually takes 3 to 7 business days. Answer the CA's call and e-mail; make sure the company name,
  phone and registration number match the official records. If nothing happens after the expected time,
  contact the CA with the application's reference.
- If the review **failed**, the reason is shown in Unissued Certificates: withdraw (`w`), fix, and resubmit.

# Creating a CSR by hand

With *Manual* CSR generation you keep the private key yourself: certwizard never sees it. Keep the key safe;
a certificate is useless without it. RSA:

```
openssl req -new -newkey rsa:2048 -nodes -keyout example.key -out example.csr \\
  -subj "/CN=www.example.com" \\
  -addext "subjectAltName=DNS:www.example.com,DNS:example.com"
```

ECDSA (P-256):

```
openssl ecparam -genkey -name prime256v1 -noout -out example.key
openssl req -new -key example.key -out example.csr -subj "/CN=www.example.com" \\
  -addext "subjectAltName=DNS:www.example.com,DNS:example.com"
```

Paste the content of `example.csr` (from `-----BEGIN CERTIFICATE REQUEST-----`) into the CSR field.

# Where your data lives

Data folder (set with `--data-dir` or `${data_env}`):

```
${data_dir}
```

- Orders and drafts: `${database}`
- Private keys (one file per order, readable only by you): `${keys_dir}`
- Qualification documents: `${documents_dir}`
- The sandbox CA: `${ca_dir}`

# The sandbox CA

The built-in sandbox CA behaves like a real one but its certificates are not publicly trusted. It is
for trying the whole flow.

- **Review speed:** set `${speed_env}` to `instant` (decides at once), `fast` (seconds, the default) or
  `realistic` (minutes for DV, days for OV/EV), e.g. `${speed_env}=instant certwizard`.
- **Trying a failure:** bind a name whose first label is `${fail_label}` (e.g. `${fail_label}.example.com`);
  it passes submission and then fails review with a reason.

# Keys

`F1` or `?` help · `ctrl+p` command palette · `ctrl+q` quit · `Escape` back · on lists, `/` filters.
"""


def help_markdown(layout: DataLayout) -> str:
    """The help text with the real paths of this data folder (shown literally, control characters escaped)."""
    from string import Template

    def shown(path: object) -> str:
        return printable(str(path))

    return Template(HELP_TEXT).substitute(
        data_env=DATA_DIR_ENV, data_dir=shown(layout.root), database=shown(layout.database),
        keys_dir=shown(layout.keys_dir), documents_dir=shown(layout.documents_dir), ca_dir=shown(layout.ca_dir),
        speed_env=SPEED_ENV, fail_label=FAIL_TRIGGER_LABEL)


class HelpScreen(QuietFocus, Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", show=True),
        Binding("q", "app.pop_screen", "Back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="help")
        self.sub_title = "Help"

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with VerticalScroll(id="help-scroll"):
            yield Markdown(help_markdown(self.app.services.layout), id="help-text")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()
