"""Channel adapters: Twilio inbound (SMS and WhatsApp), TwiML answers, and outbound senders."""
