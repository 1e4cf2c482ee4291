"""python -m licensetier"""

from licensetier.cli.main import main

main()
