"""Sign-in with a one-time code sent by SMS to a phone, and the SMS codes themselves."""
