"""Certificate authorities behind one interface (`base`), built by name (`registry`); `sandbox` is the built-in
one, and `sandbox_pki` the local CA it issues from. Outside this package only the sandbox's own commands
(`cli/sandbox.py`) import the sandbox's modules."""
