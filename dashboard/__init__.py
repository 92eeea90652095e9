"""The staff dashboard on each property's host: live inbox, conversation view, leads, after-hours recovery, reviews.

The top layer: it reads and writes through the domain apps' services, and nothing imports it but
the tenant URL conf (`nocturn.urls_tenant`). Who may see what is `properties.permissions`.
"""
