"""`certwizard` exactly as installed, with text cursors not blinking (for counting bytes per keystroke)."""

import sys

from noblink import disable_cursor_blink

from certwizard.cli import main

if __name__ == "__main__":
    disable_cursor_blink()
    sys.exit(main(sys.argv[1:]))
