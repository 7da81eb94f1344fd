from simulator.cli.program import main

main()
