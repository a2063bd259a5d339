-- Run by `odoo neutralize` on every copy of production (staging, preview environments): a copy
-- must never reach the reminder service with production's key.
DELETE FROM ir_config_parameter WHERE key = 'example_reminder.api_key';
