"""What AWS documents about identity pools, and the named assumptions rolesim makes where it is silent."""
