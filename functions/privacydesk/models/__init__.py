"""Domain models shared by logic, DAL and handlers (no AWS types here)."""
