"""Federation: signing in with VNeID, the national e-identification (an upstream OpenID
provider)."""
