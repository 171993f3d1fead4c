from formarche.cli import main

raise SystemExit(main())
