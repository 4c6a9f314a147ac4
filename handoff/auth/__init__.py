"""Who is who: customers' session tokens, agents' passwords and login tokens."""
