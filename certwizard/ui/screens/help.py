"""Help: how applying works, what to do while the CA reviews, CSRs by hand, where data lives, and what each
configured certificate authority says about itself (its `help_section`)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownFence

from certwizard.domain.text import printable
from certwizard.services import Services
from certwizard.system.paths import DATA_DIR_ENV
from certwizard.ui.screens.base import WizardScreen
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
6. **Issued.** The certificate appears in *Issued Certificates*: export it (`e`), or install it (`i`) in the
   server's folder with a reload command, so that renewal puts the new one there too.
7. **Renewal.** At 2/3 of its lifetime (or when the CA says) a certificate is *expiring soon*: `d` lists only
   those. `n` renews one now; `certwizard renew` from a timer renews every one that is due (see the README).

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

# Proving the domains

Every certificate authority checks that you control each domain, in one of two ways (*Domain validation* on
the first tab):

- **DNS TXT record:** a record in each name's DNS zone. It works for every name, wildcards included.
- **File over HTTP:** a file that the web server of each name serves at `http://NAME/.well-known/...` on
  port 80. Not for a wildcard: a file on one host proves nothing about every name below it.
- **Webroot** (HTTP only): the folder the web server serves `http://NAME/` from. certwizard puts the file
  there itself when you verify, and removes it afterwards.
- **Hook** (optional, either way): an executable that publishes the record or file and removes it again.
  It runs with `CERTWIZARD_ACTION=publish` or `cleanup` and the proof in `CERTWIZARD_*` variables (the README
  lists them); it must not be writable by others.
- With neither, publish what *Unissued Certificates* shows yourself. When you verify (`v`), certwizard first
  checks the record at every authoritative name server, or fetches the file, as the authority will.

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
a certificate is useless without it. Name every domain you will bind; the Apply screen shows these commands
with your own names, under *Load from file*. A CSR with only a common name (`-subj "/CN=..."`, as many
how-tos make it) is fine too: the sandbox CA puts all the bound names into the certificate.

OpenSSL 1.1.1 or later, RSA (`c` copies the next form, which works everywhere):

```
${addext_rsa}
```

Any OpenSSL, 1.0.2 included (a config file, then `-config` and `-reqexts`):

```
${config_rsa}
```

ECDSA (P-256), OpenSSL 1.1.1 or later:

```
${addext_ec}
```

ECDSA (P-256) with any OpenSSL, 1.0.2 included, with the same `example.cnf`:

```
${config_ec}
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
- The sandbox CA: `${ca_dir}` (its certificates name the CRL it publishes there,
  `pki/intermediate-ca.crl`)

${authorities}

# Keys

`F1` or `?` help · `ctrl+p` command palette · `ctrl+q` quit · `Escape` back · on lists, `/` filters.
"""


def csr_commands(algorithm: str = "rsa-2048"):
    """The example commands of 'Creating a CSR by hand' (files example.key/.csr/.cnf, example names)."""
    from certwizard.crypto.csr_lint import openssl_commands

    return openssl_commands(None, algorithm, basename="example")


def help_markdown(services: Services) -> str:
    """The help text with the real paths of this data folder (shown literally, control characters escaped)
    and the authorities' own sections."""
    from string import Template

    def shown(path: object) -> str:
        return printable(str(path))

    layout = services.layout
    rsa, ec = csr_commands(), csr_commands("ec-p256")
    return Template(HELP_TEXT).substitute(
        data_env=DATA_DIR_ENV, data_dir=shown(layout.root), database=shown(layout.database),
        keys_dir=shown(layout.keys_dir), documents_dir=shown(layout.documents_dir), ca_dir=shown(layout.ca_dir),
        authorities="\n\n".join(services.authorities.help_sections()), addext_rsa=rsa.addext,
        config_rsa=rsa.config, addext_ec=ec.addext, config_ec=ec.config_request)


class CommandBlock(MarkdownFence, can_focus=True):
    """A code block that Tab reaches and ← → scroll, for terminals too narrow for its lines (nothing
    wraps, so a command copied from the screen stays one command)."""

    BINDINGS = [
        Binding("left", "scroll_left", "Scroll left", show=False),
        Binding("right", "scroll_right", "Scroll right", show=False),
        Binding("home", "scroll_home_x", show=False),
        Binding("end", "scroll_end_x", show=False),
    ]

    def action_scroll_home_x(self) -> None:
        self.scroll_to(x=0, animate=False)

    def action_scroll_end_x(self) -> None:
        self.scroll_to(x=self.max_scroll_x, animate=False)


class HelpMarkdown(Markdown):
    BLOCKS = {**Markdown.BLOCKS, "fence": CommandBlock, "code_block": CommandBlock}


class HelpScreen(WizardScreen):
    # Command lines are kept short enough for 80 columns; narrower, a code block (Tab, then ← →) scrolls
    # sideways, with a scrollbar to show it, rather than cutting or wrapping a command; `c` copies them whole.
    DEFAULT_CSS = """
    HelpScreen CommandBlock {
        overflow-x: auto;
        scrollbar-size-horizontal: 1;
        &:focus {
            background-tint: $foreground 5%;
        }
    }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", show=True),
        Binding("q", "app.pop_screen", "Back", show=False),
        Binding("c", "copy_csr_commands", "Copy CSR commands", show=True),
    ]

    def __init__(self) -> None:
        super().__init__(id="help")
        self.sub_title = "Help"

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with VerticalScroll(id="help-scroll"):
            yield HelpMarkdown(help_markdown(self.app.services), id="help-text")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def action_copy_csr_commands(self) -> None:
        """Put the commands that work with every OpenSSL on the clipboard (OSC 52, so also over SSH)."""
        self.app.copy_to_clipboard(csr_commands().config + "\n")
        self.notify("Copied the CSR commands for any OpenSSL (the config-file form) to the clipboard. If "
                    "your terminal does not accept it, select them with the mouse (Shift+drag in most "
                    "terminals).",
                    title="Copied", markup=False)
