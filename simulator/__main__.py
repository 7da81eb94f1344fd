from simulator.cli.app import main

main()
