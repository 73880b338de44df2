"""Placeholder: the shop webhook admin is being written."""
