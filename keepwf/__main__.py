from keepwf.cli import main

raise SystemExit(main())
