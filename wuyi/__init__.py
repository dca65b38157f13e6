"""Wuyi Chain (五邑链): a consortium blockchain platform for digital government."""

__version__ = "0.1.0"
