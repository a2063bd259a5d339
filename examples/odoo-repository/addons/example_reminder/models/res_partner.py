from odoo import fields, models

from odoo.addons.example_tools_base.tools import normalize_email


class ResPartner(models.Model):
    _inherit = "res.partner"

    reminder_opt_in = fields.Boolean(string="Payment reminders", default=True)

    def _reminder_recipients(self):
        """Partners who receive payment reminders: opted in, with a usable address."""
        return self.filtered(lambda p: p.reminder_opt_in and normalize_email(p.email))
