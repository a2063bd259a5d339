{
    "name": "Example tools (stands in for a third-party addon repository)",
    "version": "1.0.0",
    "license": "LGPL-3",
    "author": "odoo-platform",
    "depends": ["base"],
    "installable": True,
}
