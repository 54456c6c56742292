"""`inv bench`: the stack's figures on this machine, each against a baseline measured in the same run."""
