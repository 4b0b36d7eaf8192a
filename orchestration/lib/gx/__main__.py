"""`python -m orchestration.lib.gx`: rewrite expectations/*.json from the contract."""

from orchestration.lib.gx.suites import main

main()
