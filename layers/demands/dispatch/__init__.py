"""Dispatch: the rule, the dispatcher's queue, ranked candidates."""
