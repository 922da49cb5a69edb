"""Prefect flows: the reconcile run, the phase subflows, check-in forms and gates, deployments."""
