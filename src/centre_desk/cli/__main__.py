from centre_desk.cli import main

raise SystemExit(main())
