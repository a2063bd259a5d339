from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestReminderRecipients(TransactionCase):
    def test_recipients_opted_in_with_an_address(self):
        Partner = self.env["res.partner"]
        opted_in = Partner.create({"name": "Opted in", "email": " Ada@Example.com "})
        opted_out = Partner.create(
            {"name": "Opted out", "email": "bob@example.com", "reminder_opt_in": False}
        )
        no_address = Partner.create({"name": "No address", "email": "not an address"})
        recipients = (opted_in | opted_out | no_address)._reminder_recipients()
        self.assertEqual(recipients, opted_in)
