"""Netfilter: hook points in the IP paths (hooks.py); tables, rules and conntrack come later."""
