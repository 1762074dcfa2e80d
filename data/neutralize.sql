-- Blank Mercado Pago credentials on neutralized copies (odoo-bin neutralize),
-- so that a staging database can never charge or refund through a real account.
-- Each model that stores a secret adds its UPDATE here.
UPDATE mercado_pago_qr_account
   SET access_token = NULL,
       webhook_secret = NULL,
       connection_state = 'unknown';
