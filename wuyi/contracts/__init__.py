"""Contracts that ship with the platform: ``examples`` (counter, token, SmallBank). The
scenario contracts of the action plan live in their scenario's folder
(``wuyi/scenarios/<name>/contract.py``)."""
