{
    "name": "Payment reminders (odoo-platform example)",
    "summary": "The example team module: who receives payment reminders",
    "version": "1.0.0",
    "license": "LGPL-3",
    "author": "odoo-platform",
    "depends": ["mail", "example_tools_base"],
    "data": [],
    "installable": True,
}
