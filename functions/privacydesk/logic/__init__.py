"""Use cases and pure rules. Nothing here imports boto3: ports are passed in."""
