"""Certificate authorities behind one interface; `sandbox_pki` is the local CA that the sandbox authority uses."""
