"""Developer tooling: the embedded dev stack (devstack), synthetic demo data, `manage.py seed_demo`.

Nothing in the product imports it; settings read only devstack's pure URL helpers.
"""
