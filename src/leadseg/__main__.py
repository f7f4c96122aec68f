from leadseg.cli import main

main()
