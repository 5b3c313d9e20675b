from certwizard.cli import main

raise SystemExit(main())
